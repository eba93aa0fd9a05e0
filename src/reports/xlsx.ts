/**
 * A report table as an XLSX file, written row by row with exceljs's streaming writer: a title row saying what the
 * report is (name, parameters, when made), a frozen header row with an auto-filter, printed landscape and fitted
 * to the page's width with both rows repeated on every printed page, numbers as numbers, dates as real dates shown dd.mm.yyyy, text always as plain strings (never a
 * formula, whatever it starts with). No shared strings, and one style object per kind of cell, so memory does not
 * grow with the rows.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ReportFileSink } from './chunk-sink.js';
import type { CellValue, ReportTable } from './tables.js';

const TITLE_STYLE: Partial<ExcelJS.Style> = { font: { bold: true, size: 12 } };
const HEADER_STYLE: Partial<ExcelJS.Style> = { font: { bold: true } };

/** The rows above the data: the title and the column headings. */
export const XLSX_HEADER_ROWS = 2;
const DATE_STYLE: Partial<ExcelJS.Style> = { numFmt: 'dd.mm.yyyy' };
const PLAIN_STYLE: Partial<ExcelJS.Style> = {};

/** Rows written between waits for the zip to take them in. */
const ROWS_PER_WAIT = 250;

export async function writeXlsx(table: ReportTable, sink: ReportFileSink, signal?: AbortSignal): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet(table.sheetName, {
    views: [{ state: 'frozen', ySplit: XLSX_HEADER_ROWS }],
    // Wide tables on paper: landscape, every column on the page's width, as many pages down as the rows need.
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `1:${XLSX_HEADER_ROWS}` },
  });
  sheet.columns = table.columns.map((c) => ({ width: c.width }));
  // exceljs reuses the style id of a style object it has seen: one shared object per kind keeps that cheap.
  const styles = table.columns.map((c) => (c.kind === 'date' ? DATE_STYLE : PLAIN_STYLE));

  const title = sheet.addRow([table.title]);
  title.getCell(1).style = TITLE_STYLE;
  title.commit();

  const header = sheet.addRow(table.columns.map((c) => c.heading));
  header.eachCell((cell) => (cell.style = HEADER_STYLE));
  header.commit();

  let rows = 0;
  for await (const batch of table.batches) {
    signal?.throwIfAborted();
    for (const values of batch) {
      const row = sheet.addRow(values.map((value, i) => cellValue(value, table.columns[i]!.kind)));
      row.eachCell((cell, n) => (cell.style = styles[n - 1]!));
      row.commit();
      if (++rows % ROWS_PER_WAIT === 0) await zipCaughtUp(sheet, sink);
    }
  }
  // The filter's range is written at the sheet's end, so it can take in every row: from the header down.
  sheet.autoFilter = { from: { row: XLSX_HEADER_ROWS, column: 1 }, to: { row: rows + XLSX_HEADER_ROWS, column: table.columns.length } };
  sheet.commit();
  await Promise.race([workbook.commit(), sink.failed]);
  return rows;
}

function cellValue(value: CellValue, kind: 'text' | 'number' | 'date'): ExcelJS.CellValue {
  // exceljs writes dates in UTC: midnight UTC is the calendar day itself.
  if (kind === 'date' && typeof value === 'string') return new Date(`${value}T00:00:00Z`);
  return value;
}

/**
 * exceljs 4 hands a sheet's XML to the zip without heeding backpressure (its buffer ignores write()'s answer), so a
 * fast producer would pile the whole sheet up in memory. Waiting here until the zip's input has drained carries
 * the database's pace (the sink acknowledges stored chunks only) back to the rows.
 */
async function zipCaughtUp(sheet: ExcelJS.Worksheet, sink: ReportFileSink): Promise<void> {
  const zipInputs = (sheet as unknown as { stream: { pipes: Writable[] } }).stream.pipes;
  for (const input of zipInputs) {
    const state = (input as unknown as { _writableState?: { needDrain?: boolean } })._writableState;
    if (state?.needDrain) await Promise.race([once(input, 'drain'), sink.failed]);
  }
}
