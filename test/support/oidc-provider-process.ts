/**
 * The stand-in for E-klase in the sign-in-wall benchmark, in a process of its own so that its CPU is not the
 * portal's: `node --import tsx test/support/oidc-provider-process.ts <portal URL> <accounts JSON file>`. The file is a
 * list of [login name, personal code] pairs; the provider signs in whoever `login_hint` names without a form and
 * prints its issuer as one JSON line when it listens. It stops when its parent closes its stdin.
 */
import { readFileSync } from 'node:fs';
import { startOidcProvider } from './oidc-server.js';

const [portalUrl, accountsFile] = process.argv.slice(2);
if (!portalUrl || !accountsFile) throw new Error('usage: sign-in-provider.ts <portal URL> <accounts JSON file>');
const accounts = new Map(JSON.parse(readFileSync(accountsFile, 'utf8')) as [string, string][]);
const provider = await startOidcProvider(portalUrl, accounts, { autoSignIn: true });
process.stdout.write(`${JSON.stringify({ issuer: provider.issuer })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void provider.close().then(() => process.exit(0)));
