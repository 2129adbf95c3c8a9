/**
 * Cuts a CSV or JSON Lines byte stream into slices of whole records without parsing the cells,
 * so that parsing can happen in worker processes. A slice holds as many records as the readers
 * (csv.ts, readJsonLines) put in one chunk, so every worker chunk is exactly the chunk one
 * process would have scored, and carries the line number its first record has in the file.
 */

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export interface RecordSlice {
  /** Whole records, with their line ends. */
  bytes: Buffer;
  /** Line number (as the readers count lines) of the first line in `bytes`. */
  firstLine: number;
}

/** Scanner states; a quote opens a quoted field only at the start of a field, as in csv.ts. */
const enum Csv {
  FieldStart,
  Plain,
  Quoted,
  QuoteSeen,
  AfterCr,
}

export class RecordSplitter {
  /** CSV only: the header record (and any blank lines before it), once it has been read. */
  header: Buffer | undefined;
  private parts: Buffer[] = [];
  /** Records in `parts` that the reader would count as rows. */
  private rows = 0;
  /** Line number of the first line in `parts`. */
  private sliceLine = 1;
  /** Lines completed so far (the next line's number is `lines + 1`). */
  private lines = 0;
  private state = Csv.FieldStart;
  /** Whether the current line has anything in it (blank lines are no rows). */
  private lineHasContent = false;

  constructor(
    private readonly format: 'csv' | 'jsonl',
    private readonly chunkSize: number,
  ) {}

  /** Feeds bytes; returns the slices completed. */
  push(data: Buffer): RecordSlice[] {
    return this.format === 'csv' ? this.pushCsv(data) : this.pushJsonl(data);
  }

  /** Ends the input; returns the last slice, if any bytes are left. */
  end(): RecordSlice[] {
    if (this.format === 'csv' && this.header === undefined) {
      // A file without a data record: what there is, is the header.
      this.header = Buffer.concat(this.parts);
      return [];
    }
    const bytes = Buffer.concat(this.parts);
    this.parts = [];
    return bytes.length ? [{ bytes, firstLine: this.sliceLine }] : [];
  }

  /**
   * A record ended just before `data[endAt]` (its line end included); cuts a slice when it is
   * full. Returns where the bytes not yet in a slice now start.
   */
  private recordEnd(data: Buffer, from: number, endAt: number, out: RecordSlice[]): number {
    this.lines++;
    if (!this.lineHasContent) return from;
    this.lineHasContent = false;
    if (this.format === 'csv' && this.header === undefined) {
      this.parts.push(data.subarray(from, endAt));
      this.header = Buffer.concat(this.parts);
      this.parts = [];
      this.sliceLine = this.lines + 1;
      return endAt;
    }
    if (++this.rows < this.chunkSize) return from;
    this.parts.push(data.subarray(from, endAt));
    out.push({ bytes: Buffer.concat(this.parts), firstLine: this.sliceLine });
    this.parts = [];
    this.rows = 0;
    this.sliceLine = this.lines + 1;
    return endAt;
  }

  private pushJsonl(data: Buffer): RecordSlice[] {
    const out: RecordSlice[] = [];
    let from = 0;
    let i = 0;
    for (;;) {
      const nl = data.indexOf(LF, i);
      const lineEnd = nl < 0 ? data.length : nl;
      // readJsonLines skips lines that are blank once trimmed.
      for (let k = i; k < lineEnd && !this.lineHasContent; k++) {
        const c = data[k]!;
        if (c !== 32 && c !== 9 && c !== CR && c !== 11 && c !== 12) this.lineHasContent = true;
      }
      if (nl < 0) break;
      from = this.recordEnd(data, from, nl + 1, out);
      i = nl + 1;
    }
    if (from < data.length) this.parts.push(data.subarray(from));
    return out;
  }

  /**
   * Without quotes or CRs a record is a line. Lines are counted in this loop (the common case,
   * kept free of calls); `recordEnd` is called for the lines that need it: the header and
   * the last line of a slice.
   */
  private pushPlainCsv(data: Buffer): RecordSlice[] {
    const out: RecordSlice[] = [];
    const n = data.length;
    let from = 0;
    let content = this.lineHasContent;
    for (let i = 0; i < n; i++) {
      if (data[i] !== LF) {
        content = true;
        continue;
      }
      if (content && this.header !== undefined && this.rows + 1 < this.chunkSize) {
        this.lines++;
        this.rows++;
        content = false;
        continue;
      }
      this.lineHasContent = content;
      from = this.recordEnd(data, from, i + 1, out);
      content = false;
    }
    this.lineHasContent = content;
    const last = data[n - 1];
    this.state = last === undefined || last === LF || last === COMMA ? Csv.FieldStart : Csv.Plain;
    if (from < n) this.parts.push(data.subarray(from));
    return out;
  }

  private pushCsv(data: Buffer): RecordSlice[] {
    if (
      (this.state === Csv.FieldStart || this.state === Csv.Plain) &&
      data.indexOf(QUOTE) < 0 &&
      data.indexOf(CR) < 0
    )
      return this.pushPlainCsv(data);
    const out: RecordSlice[] = [];
    let from = 0;
    let state = this.state;
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (state === Csv.AfterCr) {
        // CRLF is one line end; a lone CR is one too (as csv.ts reads it).
        if (c === LF) {
          from = this.recordEnd(data, from, i + 1, out);
          state = Csv.FieldStart;
          continue;
        }
        from = this.recordEnd(data, from, i, out);
        state = Csv.FieldStart;
      }
      if (state === Csv.Quoted) {
        if (c === QUOTE) state = Csv.QuoteSeen;
        continue;
      }
      if (c === LF) {
        from = this.recordEnd(data, from, i + 1, out);
        state = Csv.FieldStart;
        continue;
      }
      if (c === CR) {
        state = Csv.AfterCr;
        continue;
      }
      this.lineHasContent = true;
      if (c === COMMA) state = Csv.FieldStart;
      else if (c === QUOTE && (state === Csv.FieldStart || state === Csv.QuoteSeen)) state = Csv.Quoted;
      // Text after a closing quote is an error csv.ts reports; the scan carries on as plain text.
      else state = Csv.Plain;
    }
    this.state = state;
    if (from < data.length) this.parts.push(data.subarray(from));
    return out;
  }
}
