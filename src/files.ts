/** Files the portal writes whole or not at all. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes beside the target and renames over it, so a reader (or a crash) sees the old file or the complete new
 * one, never a half-written one.
 */
export function writeFileAtomically(file: string, data: string | Uint8Array, mode?: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data, mode === undefined ? {} : { mode });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
