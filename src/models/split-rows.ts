/**
 * The rows of a `dataframe_split` `data` list kept as columns while they are read: a column is a
 * Float64Array as long as every cell in it is a number (a plain list from its first other value),
 * so a request of millions of numeric rows never holds one JS list per row. `parseSplit` takes a
 * {@link SplitRows} wherever it takes the list of rows, with the same result.
 */
import type { ColumnValues } from './data.js';

/** Rows of equal width, as columns. */
export class SplitRows {
  constructor(
    /** Cells per row (the length of every row). */
    readonly width: number,
    readonly rowCount: number,
    /** One per cell position: Float64Array when every cell is a number, else a plain list. */
    readonly columns: ColumnValues[],
  ) {}

  /** Column `c` as a plain list, as the rows would have given it. */
  plainColumn(c: number): unknown[] {
    const col = this.columns[c]!;
    return Array.isArray(col) ? col : Array.from(col as Float64Array);
  }
}

const FIRST_CAPACITY = 1024;

/**
 * Collects rows one at a time. `add` refuses (returns false) a row that is not a non-empty list
 * of the first row's width: the caller then keeps rows as lists ({@link toRows} gives back those
 * taken so far).
 */
export class SplitRowsBuilder {
  private width = -1;
  private rows = 0;
  private capacity = 0;
  private columns: (Float64Array | unknown[])[] = [];

  get rowCount(): number {
    return this.rows;
  }

  add(row: unknown): boolean {
    if (!Array.isArray(row)) return false;
    if (this.width < 0) {
      if (row.length === 0) return false;
      this.width = row.length;
      this.capacity = FIRST_CAPACITY;
      this.columns = Array.from({ length: this.width }, () => new Float64Array(FIRST_CAPACITY));
    } else if (row.length !== this.width) return false;
    if (this.rows === this.capacity) this.grow();
    const r = this.rows;
    for (let c = 0; c < this.width; c++) {
      const v: unknown = row[c];
      const col = this.columns[c]!;
      if (Array.isArray(col)) col.push(v);
      else if (typeof v === 'number') col[r] = v;
      else {
        const plain: unknown[] = Array.from(col.subarray(0, r));
        plain.push(v);
        this.columns[c] = plain;
      }
    }
    this.rows++;
    return true;
  }

  private grow(): void {
    this.capacity *= 2;
    this.columns = this.columns.map((col) => {
      if (Array.isArray(col)) return col;
      const next = new Float64Array(this.capacity);
      next.set(col);
      return next;
    });
  }

  /** The rows taken so far, as lists (for a caller that falls back to rows). */
  toRows(): unknown[][] {
    const out = new Array<unknown[]>(this.rows);
    for (let r = 0; r < this.rows; r++) {
      const row = new Array<unknown>(this.width);
      for (let c = 0; c < this.width; c++) row[c] = this.columns[c]![r];
      out[r] = row;
    }
    return out;
  }

  finish(): SplitRows {
    const n = this.rows;
    return new SplitRows(
      this.width,
      n,
      this.columns.map((col) => (Array.isArray(col) ? col : col.subarray(0, n))),
    );
  }
}
