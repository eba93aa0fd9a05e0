/**
 * Where a report file goes: into the database, in pieces of REPORT_CHUNK_BYTES. A write is acknowledged only once
 * its full pieces are stored, so a writer that heeds backpressure never holds more than about one piece.
 */
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { REPORT_CHUNK_BYTES, writeReportChunk } from '../data/report-jobs.js';

export class ReportFileSink extends Writable {
  /** Bytes received so far (all of them once finished). */
  bytes = 0;
  /** Settles with the first error, so a writer waiting on something else can stop. */
  readonly failed: Promise<never>;
  private nextChunk = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly jobId: number,
    private readonly runnerId: string,
    private readonly chunkBytes = REPORT_CHUNK_BYTES,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.failed = new Promise<never>((_, reject) => this.once('error', reject));
    // Nobody may be waiting on it; the error reaches whoever awaits the writing.
    this.failed.catch(() => {});
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.chunkBytes) return callback();
    this.store(false).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.store(true).then(() => callback(), callback);
  }

  /** Stores every full piece, and with `all` the last, shorter one too. */
  private async store(all: boolean): Promise<void> {
    let data = Buffer.concat(this.pending, this.pendingBytes);
    while (data.length >= this.chunkBytes || (all && data.length > 0)) {
      const piece = data.subarray(0, this.chunkBytes);
      await writeReportChunk(this.db, this.jobId, this.runnerId, this.nextChunk++, piece);
      data = data.subarray(piece.length);
    }
    this.pending = data.length > 0 ? [data] : [];
    this.pendingBytes = data.length;
  }
}
