/**
 * What one RFC 3161 time stamp costs against the development TSA:
 * `npx tsx test/bench/timestamp.bench.ts [--requests 500 --concurrency 32 --warmup 2000]`.
 * Client and TSA share this process and talk over loopback HTTP, so the round-trip CPU is both sides together.
 * The split times the TSA (`tsa.handle`) and the client's request building and answer checking directly,
 * without HTTP, and leaves the rest to HTTP (client and server).
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDevelopmentTsa } from '../../src/sealing/dev/tsa.js';
import { generateDevelopmentTsaIdentity } from '../../src/sealing/dev/tsa-identity.js';
import { startDevelopmentTsaServer } from '../../src/sealing/dev/tsa-server.js';
import { verifyTimestampToken } from '../../src/sealing/timestamp-token.js';
import { readTimestampResponse } from '../../src/sealing/timestamp-response.js';
import { encodeTimestampRequest, requestTimestamp } from '../../src/sealing/tsa-client.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '2000' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const warmup = Number(values.warmup);

/** CPU time of the whole process (all threads, so WebCrypto's thread pool and GC count too), in ms. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface Cost {
  wallMs: number;
  cpuMs: number;
}

async function measure(run: () => Promise<void>): Promise<Cost> {
  const wall = performance.now();
  const cpu = cpuMs();
  await run();
  return { wallMs: performance.now() - wall, cpuMs: cpuMs() - cpu };
}

const digests = Array.from({ length: requests }, (_, i) => new Uint8Array(createHash('sha256').update(`certificate ${i}`).digest()));
const digestAt = (i: number) => digests[i % digests.length]!;
const ms = (value: number) => value.toFixed(3).padStart(8);

const identity = await generateDevelopmentTsaIdentity();
const tsa = createDevelopmentTsa(identity);
const server = await startDevelopmentTsaServer(tsa);

try {
  for (let i = 0; i < warmup; i++) await requestTimestamp(server.url, digestAt(i));

  const sequential = await measure(async () => {
    for (let i = 0; i < requests; i++) await requestTimestamp(server.url, digestAt(i));
  });

  const total = Math.max(requests, 4 * concurrency);
  let next = 0;
  const concurrent = await measure(async () => {
    const loop = async () => {
      while (next < total) await requestTimestamp(server.url, digestAt(next++));
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
  });

  const encoded = digests.map((digest) => ({ digest, ...encodeTimestampRequest(digest) }));
  const tsaSide = await measure(async () => {
    for (const request of encoded) await tsa.handle(request.der);
  });
  const answers = await Promise.all(encoded.map((request) => tsa.handle(request.der)));

  const build = await measure(async () => {
    for (const digest of digests) encodeTimestampRequest(digest);
  });
  const check = await measure(async () => {
    encoded.forEach((request, i) => readTimestampResponse(answers[i]!, request.digest, request.nonce, server.url));
  });

  const tokens: Uint8Array[] = [];
  for (const digest of digests.slice(0, 100)) tokens.push(await requestTimestamp(server.url, digest));
  for (let i = 0; i < 100; i++) await verifyTimestampToken(tokens[i]!, digests[i]!, [identity.rootDer]);
  const verify = await measure(async () => {
    for (const [i, token] of tokens.entries()) await verifyTimestampToken(token, digests[i]!, [identity.rootDer]);
  });

  const clientCpu = (build.cpuMs + check.cpuMs) / requests;
  const tsaCpu = tsaSide.cpuMs / requests;
  const roundTripCpu = sequential.cpuMs / requests;
  console.log(`time-stamp round trips over loopback HTTP, client and TSA in one process (Node ${process.version})`);
  console.log(`sequential, ${requests} requests:`);
  console.log(`  wall per round trip          ${ms(sequential.wallMs / requests)} ms`);
  console.log(`  CPU per round trip           ${ms(roundTripCpu)} ms`);
  console.log(`concurrent, ${concurrency} at a time, ${total} requests:`);
  console.log(`  throughput                   ${(total / (concurrent.wallMs / 1000)).toFixed(0).padStart(8)} tokens/s`);
  console.log(`  CPU per token                ${ms(concurrent.cpuMs / total)} ms`);
  console.log(`  150 tokens/s take           ${((15 * concurrent.cpuMs) / total).toFixed(1).padStart(8)} % of one core`);
  console.log(`split of the CPU per round trip (direct calls, no HTTP, ${requests} each):`);
  console.log(`  client (build + check)       ${ms(clientCpu)} ms`);
  console.log(`    build request              ${ms(build.cpuMs / requests)} ms`);
  console.log(`    check answer               ${ms(check.cpuMs / requests)} ms`);
  console.log(`  TSA (tsa.handle)             ${ms(tsaCpu)} ms   (wall ${ms(tsaSide.wallMs / requests)} ms)`);
  console.log(`  HTTP, the rest               ${ms(roundTripCpu - clientCpu - tsaCpu)} ms`);
  console.log(`verifyTimestampToken, ${tokens.length} tokens:`);
  console.log(`  CPU per token                ${ms(verify.cpuMs / tokens.length)} ms`);
} finally {
  await server.close();
}
