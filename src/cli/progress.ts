/** A one-line progress bar on a terminal; silent when the output is not a terminal (logs, CI, pipes). */
export function progressBar(stream: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): boolean }) {
  let lastDrawn = '';
  return {
    update(label: string, done: number, total: number) {
      if (!stream.isTTY || total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const line = `${label.padEnd(16).slice(0, 16)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
      if (line === lastDrawn) return;
      lastDrawn = line;
      stream.write(`\r${line}`);
      if (done >= total) stream.write('\n');
    },
  };
}
