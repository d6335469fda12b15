/** Tables as CSV text (no file system: the viewer's page formats its export with it too). */
export type Cell = number | string;

/** A table: column names and rows of cells (numbers or strings). */
export interface Table {
  columns: string[];
  rows: Cell[][];
  /** Decimals per column name (default 4); integers are always written without decimals. */
  decimals?: Record<string, number>;
}

/** A number as the tables write it: integers as they are, else at most `decimals` decimals (trailing zeros trimmed); NaN, Inf, -Inf. */
export function formatNumber(v: number, decimals: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  if (Number.isInteger(v)) return String(v);
  const s = v.toFixed(decimals);
  // trim trailing zeros but keep at least one digit after the point
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '.0') : s;
}

function quote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Formats a table as CSV text: comma separated, header line, '\n' line ends, UTF-8. */
export function formatCsv(t: Table): string {
  const dec = t.columns.map((c) => t.decimals?.[c] ?? 4);
  const lines = [t.columns.map(quote).join(',')];
  for (const row of t.rows) {
    lines.push(row.map((v, j) => (typeof v === 'number' ? formatNumber(v, dec[j]) : quote(v))).join(','));
  }
  return lines.join('\n') + '\n';
}
