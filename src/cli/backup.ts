/**
 * `backup <file>` and `restore <file>`: commands on the database file itself, so they run without the command
 * line's own connection (a restore would otherwise find the database in use by itself, and a backup needs none).
 * Same conventions as the other commands: --json, --lang lv|en, --help; exit 0 done, 1 refused, 2 wrong usage.
 */
import { parseArgs } from 'node:util';
import { isPostgresUrl } from '../../db/connect.js';
import { backupDatabase, restoreDatabase, type DatabaseCopy } from '../data/backup.js';
import { KeyedError } from '../errors.js';
import { isLanguage, translator, type Language, type Translate } from '../i18n.js';
import type { CliIo } from './io.js';

export const DATABASE_FILE_COMMANDS = ['backup', 'restore'] as const;

const HELP = `Usage: npm run cli -- backup <file>    copy the embedded database, consistently, while the portal runs
       npm run cli -- restore <file>   replace the embedded database with a backup (the portal must be stopped);
                                       the replaced database is kept as <name>.before-restore-<time>
Options: --json, --lang lv|en, --help`;

class UsageError extends Error {}

export async function runDatabaseFileCommand(argv: string[], databaseUrl: string, io: CliIo): Promise<number> {
  let lang: Language = 'lv';
  let json = false;
  let t: Translate = translator(lang);
  const out = (text: string) => io.stdout.write(text + '\n');
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, lang: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.lang !== undefined && !isLanguage(values.lang)) throw new UsageError(t('cli.bad-option', { option: 'lang', value: values.lang }));
    lang = isLanguage(values.lang) ? values.lang : 'lv';
    t = translator(lang);
    json = values.json ?? false;
    const [command, file, ...extra] = positionals;
    if (values.help) {
      out(HELP);
      return 0;
    }
    if (command !== 'backup' && command !== 'restore') throw new UsageError(t('cli.unknown-command', { command: command ?? '' }));
    if (!file) throw new UsageError(t('cli.missing-option', { option: 'file' }));
    if (extra.length > 0) throw new UsageError(t('cli.unknown-command', { command: positionals.join(' ') }));
    // PostgreSQL has its own tools, which also cover a database that many instances write to at once.
    if (isPostgresUrl(databaseUrl)) throw new KeyedError('backup.postgres');
    const described = (copy: DatabaseCopy) => ({ ...copy, megabytes: (copy.bytes / 1_048_576).toFixed(1) });

    if (command === 'backup') {
      const copy = await backupDatabase(databaseUrl, file);
      out(json ? JSON.stringify(copy) : t('backup.written', described(copy)));
      return 0;
    }
    const result = restoreDatabase(file, databaseUrl);
    if (json) out(JSON.stringify(result));
    else {
      out(t('backup.restored', { ...described(result.restored), from: file }));
      out(result.previous ? t('backup.previous-kept', { previous: result.previous }) : t('backup.no-previous'));
      if (result.restored.older) out(t('backup.older', { migration: result.restored.migration }));
    }
    return 0;
  } catch (error) {
    const fail = (code: number, message: string, data: unknown) => {
      if (json) out(JSON.stringify({ error: data, messages: [message] }));
      io.stderr.write(message + '\n');
      return code;
    };
    if (error instanceof UsageError) return fail(2, error.message, { kind: 'usage' });
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) return fail(2, error.message, { kind: 'usage' });
    if (error instanceof KeyedError) return fail(1, t(error.key, error.params), { kind: error.key, ...error.params });
    const message = error instanceof Error ? error.message : String(error);
    return fail(1, t('cli.unexpected', { message }), { kind: 'unexpected', message });
  }
}
