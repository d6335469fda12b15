/** CSV files: the table format (io/table.ts) written atomically. */
import { writeFileAtomic } from './atomic.js';
import { formatCsv, type Table } from './table.js';

export { formatCsv, type Cell, type Table } from './table.js';

/** Writes a table atomically (temp name, then rename). */
export async function writeCsv(file: string, t: Table): Promise<void> {
  await writeFileAtomic(file, formatCsv(t));
}
