/**
 * Linear sum assignment: a faithful port of scipy's `scipy.optimize.linear_sum_assignment`
 * (scipy/optimize/rectangular_lsap/rectangular_lsap.cpp, PM Larsen's implementation of the
 * shortest augmenting path algorithm of Crouse, "On implementing 2D rectangular assignment
 * algorithms", IEEE TAES 52(4), 2016, pp. 1685-1686).
 *
 * The port keeps every detail that decides which of several optimal assignments is returned:
 *  - a tall matrix (more rows than columns) is transposed first and the result is sorted
 *    back by original row index;
 *  - the list of remaining columns is filled in reverse order and compacted by moving the last
 *    entry into the freed slot (so a constant matrix gives the identity);
 *  - on equal reduced costs a column that is still unassigned wins (a new sink);
 *  - the dual updates use the same floating-point expressions in the same order.
 * The deepBlink metrics depend on this: they solve matrices in which every entry above a
 * cutoff was replaced by the same value, i.e. full of ties.
 *
 * Costs are minimised; rows are returned ascending, min(nRows, nCols) pairs.
 */

/** Pairs of an assignment: `cols[k]` is assigned to `rows[k]`; rows ascending. */
export interface Assignment {
  rows: number[];
  cols: number[];
}

/**
 * Reusable solver. Its work buffers grow to the largest problem seen and are reused, so that
 * repeated solves (e.g. 50 cutoffs x 2 orientations) do not allocate per call beyond the
 * result arrays (and the transposed copy of a tall matrix).
 */
export class LinearSumAssignmentSolver {
  private u = new Float64Array(0);
  private v = new Float64Array(0);
  private shortestPathCosts = new Float64Array(0);
  private path = new Int32Array(0);
  private col4row = new Int32Array(0);
  private row4col = new Int32Array(0);
  private SR = new Int32Array(0);
  private SC = new Int32Array(0);
  private remaining = new Int32Array(0);
  private transposed = new Float64Array(0);

  /**
   * Solve the min-cost assignment of the `nRows x nCols` row-major matrix `cost`.
   * Throws on NaN or -Infinity entries ("matrix contains invalid numeric entries") and when
   * no finite assignment exists ("cost matrix is infeasible"), like scipy.
   */
  solve(cost: ArrayLike<number>, nRows: number, nCols: number): Assignment {
    checkShape(cost, nRows, nCols);
    if (nRows === 0 || nCols === 0) return { rows: [], cols: [] };

    // tall rectangular cost matrix must be transposed
    const transpose = nCols < nRows;
    let c: ArrayLike<number> = cost;
    let nr = nRows;
    let nc = nCols;
    if (transpose) {
      if (this.transposed.length < nRows * nCols) this.transposed = new Float64Array(nRows * nCols);
      const t = this.transposed;
      for (let i = 0; i < nRows; i++) {
        const base = i * nCols;
        for (let j = 0; j < nCols; j++) t[j * nRows + i] = cost[base + j];
      }
      c = t;
      nr = nCols;
      nc = nRows;
    }
    const n = nr * nc;
    for (let k = 0; k < n; k++) {
      const x = c[k];
      if (x !== x || x === -Infinity) throw new RangeError('matrix contains invalid numeric entries');
    }

    const col4row = this.solveCore(c, nr, nc);

    const rows = new Array<number>(nr);
    const cols = new Array<number>(nr);
    if (transpose) {
      // argsort of col4row (values are distinct original row indices)
      const order = new Array<number>(nr);
      for (let i = 0; i < nr; i++) order[i] = i;
      order.sort((a, b) => col4row[a] - col4row[b]);
      for (let k = 0; k < nr; k++) {
        rows[k] = col4row[order[k]];
        cols[k] = order[k];
      }
    } else {
      for (let i = 0; i < nr; i++) {
        rows[i] = i;
        cols[i] = col4row[i];
      }
    }
    return { rows, cols };
  }

  /**
   * The core algorithm for `nr <= nc` (no checks). Returns `col4row` (a view into the
   * solver's buffer, valid until the next call): the column assigned to each row.
   *
   * With `replaceAt` finite, the matrix solved is `where(cost >= replaceAt, replaceWith, cost)`
   * without materialising it (used by the deepBlink metrics, which solve 50 such matrices).
   */
  solveCore(cost: ArrayLike<number>, nr: number, nc: number, replaceAt = Infinity, replaceWith = Infinity): Int32Array {
    this.ensure(nr, nc);
    const u = this.u;
    const v = this.v;
    const spc = this.shortestPathCosts;
    const path = this.path;
    const col4row = this.col4row;
    const row4col = this.row4col;
    // scipy keeps boolean vectors SR / SC and scans them after each augmenting path; the
    // updates they guard are independent per row / column, so the visited rows / columns are
    // kept as lists instead (same results, no O(nr + nc) fills and scans per row).
    const visitedRows = this.SR;
    const visitedCols = this.SC;
    const remaining = this.remaining;
    u.fill(0, 0, nr);
    v.fill(0, 0, nc);
    path.fill(-1, 0, nc);
    col4row.fill(-1, 0, nr);
    row4col.fill(-1, 0, nc);

    for (let curRow = 0; curRow < nr; curRow++) {
      // ---- augmenting_path ----
      let minVal = 0;
      let numRemaining = nc;
      for (let it = 0; it < nc; it++) {
        // reverse order: the solution of a constant cost matrix is the identity (scipy #11602)
        remaining[it] = nc - it - 1;
        spc[it] = Infinity;
      }
      let nVisitedRows = 0;
      let nVisitedCols = 0;

      let i = curRow;
      let sink = -1;
      while (sink === -1) {
        let index = -1;
        let lowest = Infinity;
        visitedRows[nVisitedRows++] = i;
        const base = i * nc;
        const ui = u[i];
        for (let it = 0; it < numRemaining; it++) {
          const j = remaining[it];
          let x = cost[base + j];
          if (x >= replaceAt) x = replaceWith;
          const r = minVal + x - ui - v[j];
          if (r < spc[j]) {
            path[j] = i;
            spc[j] = r;
          }
          // on equal cost prefer a column that gives a new sink
          const s = spc[j];
          if (s < lowest || (s === lowest && row4col[j] === -1)) {
            lowest = s;
            index = it;
          }
        }
        minVal = lowest;
        if (minVal === Infinity || index < 0) throw new RangeError('cost matrix is infeasible');
        const j = remaining[index];
        if (row4col[j] === -1) sink = j;
        else i = row4col[j];
        visitedCols[nVisitedCols++] = j;
        remaining[index] = remaining[--numRemaining];
      }

      // ---- update dual variables ----
      u[curRow] += minVal;
      for (let k = 1; k < nVisitedRows; k++) {
        const row = visitedRows[k]; // k = 0 is curRow itself
        u[row] += minVal - spc[col4row[row]];
      }
      for (let k = 0; k < nVisitedCols; k++) {
        const j = visitedCols[k];
        v[j] -= minVal - spc[j];
      }

      // ---- augment previous solution ----
      let j = sink;
      for (;;) {
        const k = path[j];
        row4col[j] = k;
        const tmp = col4row[k];
        col4row[k] = j;
        j = tmp;
        if (k === curRow) break;
      }
    }
    return col4row.subarray(0, nr);
  }

  private ensure(nr: number, nc: number): void {
    if (this.u.length < nr) {
      this.u = new Float64Array(nr);
      this.col4row = new Int32Array(nr);
      this.SR = new Int32Array(nr);
    }
    if (this.v.length < nc) {
      this.v = new Float64Array(nc);
      this.shortestPathCosts = new Float64Array(nc);
      this.path = new Int32Array(nc);
      this.row4col = new Int32Array(nc);
      this.SC = new Int32Array(nc);
      this.remaining = new Int32Array(nc);
    }
  }
}

function checkShape(cost: ArrayLike<number>, nRows: number, nCols: number): void {
  if (!Number.isInteger(nRows) || !Number.isInteger(nCols) || nRows < 0 || nCols < 0) {
    throw new RangeError(`invalid matrix shape ${nRows}x${nCols}`);
  }
  if (cost.length !== nRows * nCols) {
    throw new RangeError(`cost has ${cost.length} entries, expected ${nRows}x${nCols} = ${nRows * nCols}`);
  }
}

/**
 * scipy's `linear_sum_assignment(cost)` for a row-major `nRows x nCols` matrix: a minimum-cost
 * assignment of min(nRows, nCols) pairs, rows ascending, with scipy's tie-breaking.
 */
export function linearSumAssignment(cost: ArrayLike<number>, nRows: number, nCols: number): Assignment {
  return new LinearSumAssignmentSolver().solve(cost, nRows, nCols);
}
