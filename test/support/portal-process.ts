/**
 * A real portal process (`src/main.ts`) on 127.0.0.1, for the tests that need one: several instances on one
 * database, a portal killed in the middle of its work, a backup restored and served. Its log lines are kept and can
 * be waited for; it is ready once it says it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './ports.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** How often a start is tried when the port found free was taken before the portal listened on it. */
const START_ATTEMPTS = 5;

export type LogLine = Record<string, unknown> & { msg?: string };

export class PortalProcess {
  readonly lines: LogLine[] = [];
  /** The exit code once the process has ended (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  private listeners: (() => void)[] = [];

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        this.lines.push({ msg: line });
      }
      for (const listener of this.listeners) listener();
    });
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    // 'close', not 'exit': it comes once the output is read to its end, so the line holds all of the errors (a
    // port taken shows there).
    this.exited = new Promise((resolve) =>
      child.on('close', (code, signal) => {
        this.lines.push({ msg: 'exited', code, signal, errors });
        for (const listener of this.listeners) listener();
        resolve(code);
      }),
    );
  }

  /**
   * Starts a portal in development mode with info logs, the given settings over this process's environment, and
   * resolves once it listens (within `timeoutMs`: a start with demo data and development keys on a busy machine
   * is slow). `ports` finds a port that is free at the moment (its own test gives one that is not).
   */
  static async start(name: string, env: NodeJS.ProcessEnv, timeoutMs: number, ports: () => Promise<number> = freePort): Promise<PortalProcess> {
    // A port free a moment ago may be taken before the portal listens on it (by any connection the machine opens
    // meanwhile, whose own port comes from the same range): then it is started again on another one.
    for (let attempt = 1; ; attempt++) {
      const port = await ports();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const portal = new PortalProcess(name, url, child);
      try {
        await portal.waitFor((line) => line.msg === 'portal listening', timeoutMs);
        return portal;
      } catch (error) {
        child.kill('SIGKILL');
        await portal.exited;
        if (attempt < START_ATTEMPTS && String(error).includes('EADDRINUSE')) continue;
        throw error;
      }
    }
  }

  /** Resolves with the first log line (past or future) that matches; rejects if the process ends first. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.name}: no such log line in ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        const line = this.lines.find(match);
        if (line) return done(undefined, line);
        const exit = this.lines.find((l) => l.msg === 'exited');
        if (exit) done(new Error(`${this.name} ended: ${JSON.stringify(exit)}`));
      };
      const done = (error?: Error, line?: LogLine) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        if (error) reject(error);
        else resolve(line!);
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { redirect: 'manual', ...init });
  }

  /** A form posted as a browser on the portal's own pages posts it. */
  postForm(path: string, form: Record<string, string>, cookie?: string): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: { origin: this.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends the process if it still runs (SIGTERM) and waits for it. */
  async stop(): Promise<void> {
    if (this.running) this.kill('SIGTERM');
    await this.exited;
  }
}
