/** Where a command writes: the process's streams, or a test's buffers. */
export interface CliIo {
  stdout: { write(s: string): boolean; isTTY?: boolean };
  stderr: { write(s: string): boolean; isTTY?: boolean };
}
