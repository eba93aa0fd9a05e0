/**
 * Group commit: writes asked for while the previous one is being made, or within the same turn of the event
 * loop, go to the database together, as one statement or one transaction. Each caller still waits for its own
 * write, so nothing is answered before it is stored (a crash loses nothing that was confirmed). On results day
 * thousands of students sign in within minutes, and one insert of forty rows costs about what one of a single
 * row does, on SQLite (one commit) and even more so on PostgreSQL (one round trip).
 */
export class GroupCommit<T, R = undefined> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private writing = false;

  /**
   * `write` stores a batch and answers one result per item, in order. `maxBatch` bounds a batch (and with it the
   * number of parameters in one statement).
   */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled || this.writing) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) await this.writeBatch(this.pending.splice(0, this.maxBatch));
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(batch: typeof this.pending): Promise<void> {
    try {
      const results = await this.write(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // The batch was one statement or transaction, so nothing of it was stored: each again on its own, so that
      // one bad item fails only its own caller.
      for (const entry of batch) {
        try {
          const [result] = await this.write([entry.item]);
          entry.resolve(result!);
        } catch (alone) {
          entry.reject(alone);
        }
      }
    }
  }
}
