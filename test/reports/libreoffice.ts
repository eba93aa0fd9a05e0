/**
 * LibreOffice as an independent reader of our XLSX files: it converts them to CSV with every text cell quoted
 * and every cell written as shown, so a number comes out bare, a date bare in its display format, and text
 * quoted. A missing `soffice` is a failure, not a skip: CI installs libreoffice-calc.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export interface ReadCell {
  value: string;
  /** Quoted: LibreOffice holds the cell as text. */
  text: boolean;
}

// Comma, double quote, UTF-8, from line 1, no column formats, default language, quote all text cells,
// (import-only token), save cell contents as shown.
const CSV_EXPORT = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true';

/** The first sheet of each XLSX file as LibreOffice reads it, in order. */
export async function readWithLibreOffice(files: Record<string, Buffer>): Promise<Record<string, ReadCell[][]>> {
  const dir = mkdtempSync(join(tmpdir(), 'report-lo-'));
  try {
    const paths = Object.entries(files).map(([name, bytes]) => {
      const path = join(dir, `${name}.xlsx`);
      writeFileSync(path, bytes);
      return path;
    });
    // A profile of its own, so parallel runs (and a desktop session) do not clash.
    const profile = pathToFileURL(join(dir, 'profile')).href;
    await promisify(execFile)('soffice', [`-env:UserInstallation=${profile}`, '--headless', '--convert-to', CSV_EXPORT, '--outdir', dir, ...paths], {
      timeout: 60_000,
    });
    return Object.fromEntries(paths.map((path) => [basename(path, '.xlsx'), parseCsv(readFileSync(path.replace(/\.xlsx$/, '.csv'), 'utf8'))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RFC 4180, keeping whether each field was quoted. */
function parseCsv(text: string): ReadCell[][] {
  const rows: ReadCell[][] = [];
  let row: ReadCell[] = [];
  let i = 0;
  while (i < text.length) {
    let cell: ReadCell;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        value += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        value += '"';
        i++;
      }
      cell = { value, text: true };
    } else {
      const end = text.slice(i).search(/[,\r\n]/);
      const value = end === -1 ? text.slice(i) : text.slice(i, i + end);
      i += value.length;
      cell = { value, text: false };
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else {
      rows.push(row);
      row = [];
      i += text.startsWith('\r\n', i) ? 2 : 1;
    }
  }
  return rows;
}
