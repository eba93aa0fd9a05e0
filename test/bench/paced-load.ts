/**
 * An open-loop load generator: sends requests at a fixed rate, spread evenly, whatever the answers take, and
 * measures each latency from the moment the request was due (so a stall is not hidden by the generator
 * waiting). Run as its own process: `tsx test/bench/paced-load.ts <url> <rate> <seconds> <cookie file>`;
 * prints one JSON line. Used by the results-day benchmark for the "at 1,000 requests/s" figure.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [url, rateText, secondsText, cookieFile] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const cookies = cookieFile ? readFileSync(cookieFile, 'utf8').split('\n').filter(Boolean) : [''];
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const target = new URL(url!);
const latencies: number[] = [];
let errors = 0;
let non2xx = 0;
const non2xxByStatus = new Map<number, number>();

const total = rate * seconds;
const started = performance.now();
let sent = 0;
await new Promise<void>((done) => {
  let finished = 0;
  const tick = () => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent < Math.min(due, total)) {
      const scheduledAt = started + (sent / rate) * 1000;
      const cookie = cookies[sent % cookies.length]!;
      sent++;
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, agent, headers: { cookie, 'accept-encoding': 'gzip' } },
        (res) => {
          if ((res.statusCode ?? 0) >= 300) {
            non2xx++;
            non2xxByStatus.set(res.statusCode ?? 0, (non2xxByStatus.get(res.statusCode ?? 0) ?? 0) + 1);
          }
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - scheduledAt);
            if (++finished === total) done();
          });
        },
      );
      req.on('error', () => {
        errors++;
        if (++finished === total) done();
      });
      req.end();
    }
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
  setTimeout(done, (seconds + 10) * 1000).unref();
});
latencies.sort((a, b) => a - b);
const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
const elapsed = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    max: at(1),
    errors,
    non2xx,
    non2xxByStatus: [...non2xxByStatus].map(([status, count]) => `${status}: ${count}`).join(', '),
  }),
);
agent.destroy();
