/**
 * A ZIP file written while it is sent. Entries come from an async iterable and are stored, not compressed
 * (.edoc files are ZIP containers already). The stream asks for the next entry only when the client has taken
 * what was written before, so a slow download never makes the server read ahead: memory stays at one entry
 * (and the iterable's own batch), whatever the number of files.
 */
import { Zip, ZipPassThrough } from 'fflate';

export interface ZipStreamEntry {
  name: string;
  data: Uint8Array;
  mtime?: Date;
}

export function zipStream(entries: AsyncIterable<ZipStreamEntry>): ReadableStream<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]();
  let zip: Zip;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        zip = new Zip((error, chunk, final) => {
          if (error) {
            controller.error(error);
            return;
          }
          if (chunk.length > 0) controller.enqueue(chunk);
          if (final) controller.close();
        });
      },
      async pull() {
        const next = await iterator.next();
        if (next.done) {
          zip.end();
          return;
        }
        const file = new ZipPassThrough(next.value.name);
        if (next.value.mtime) file.mtime = next.value.mtime;
        zip.add(file);
        // fflate writes the local header, the data and its descriptor synchronously, through the callback above.
        file.push(next.value.data, true);
      },
      async cancel() {
        await iterator.return?.(undefined);
      },
    },
    // Nothing is produced before a reader asks for it.
    { highWaterMark: 0 },
  );
}
