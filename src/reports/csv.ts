/**
 * A report table as CSV the way a Latvian spreadsheet opens it directly: UTF-8 with a byte-order mark (or Excel
 * guesses the wrong code page), semicolons (a comma is the decimal separator there), CRLF line ends and RFC 4180
 * quoting. Dates are written dd.mm.yyyy.
 */
import { once } from 'node:events';
import { formatDate } from '../domain/riga-time.js';
import type { ReportFileSink } from './chunk-sink.js';
import type { CellValue, ReportColumn, ReportTable } from './tables.js';

const SEPARATOR = ';';
const LINE_END = '\r\n';

/**
 * A text cell as a spreadsheet will not run it: one starting with = + - @ (or a tab or carriage return, which
 * some programs skip before looking) is a formula to Excel and LibreOffice, so it gets a leading apostrophe.
 */
export function neutralised(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function quoted(text: string): string {
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvCell(value: CellValue, kind: ReportColumn['kind']): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (kind === 'date') return formatDate(value);
  return quoted(neutralised(value));
}

export function csvLine(values: readonly CellValue[], columns: readonly ReportColumn[]): string {
  return values.map((value, i) => csvCell(value, columns[i]!.kind)).join(SEPARATOR) + LINE_END;
}

export async function writeCsv(table: ReportTable, sink: ReportFileSink, signal?: AbortSignal): Promise<number> {
  const headings = table.columns.map((c) => quoted(neutralised(c.heading))).join(SEPARATOR) + LINE_END;
  await write(sink, `\uFEFF${headings}`);
  let rows = 0;
  for await (const batch of table.batches) {
    signal?.throwIfAborted();
    await write(sink, batch.map((values) => csvLine(values, table.columns)).join(''));
    rows += batch.length;
  }
  sink.end();
  await Promise.race([once(sink, 'finish'), sink.failed]);
  return rows;
}

async function write(sink: ReportFileSink, text: string): Promise<void> {
  if (!sink.write(text, 'utf8')) await Promise.race([once(sink, 'drain'), sink.failed]);
}
