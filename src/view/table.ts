/**
 * A spot table's own columns, for the viewer to show every column of a spot: the header and
 * the records of a CSV file, read as readLabels reads them (separator, BOM, quotes, empty
 * records skipped), numbers parsed where a cell is numeric.
 */
import { parse } from 'csv-parse/sync';
import { UserError } from '../core/errors.js';
import { detectDelimiter } from '../io/labels.js';

/** A CSV file's header and its records (numbers where a cell is numeric, else the text). */
export interface RawTable {
  columns: string[];
  rows: (number | string)[][];
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses CSV text into its header and records; undefined for an empty file. */
export function rawTable(textIn: string): RawTable | undefined {
  const text = textIn.replace(/^\uFEFF/, '');
  if (text.trim() === '') return undefined;
  const delimiter = detectDelimiter(text);
  const decimalComma = delimiter === ';';
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
    }) as string[][];
  } catch (err) {
    throw new UserError(`not a readable CSV file: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}`, undefined, 'bad-labels');
  }
  if (records.length === 0) return undefined;
  const cell = (raw: string): number | string => {
    const s = raw.trim();
    const n = decimalComma ? s.replace(',', '.') : s;
    return NUMBER_RE.test(n) ? Number(n) : s;
  };
  return { columns: records[0].map((h) => h.trim()), rows: records.slice(1).map((r) => r.map(cell)) };
}
