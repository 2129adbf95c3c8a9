/**
 * Output writers for batch prediction: JSON Lines (one prediction per line), CSV (one row per
 * prediction, header from the first chunk) and JSON (`{"predictions": [...]}` like
 * `mlflow models predict`), all written incrementally with backpressure.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { extname } from 'node:path';
import { invalidParam } from '../../errors.js';
import {
  cellValue,
  isDataFrame,
  isNumericArray,
  isTensor,
  isTensorDict,
  type DataFrame,
  type ModelData,
  type Tensor,
} from '../data.js';
import { frameRowJson, frameRowWriters, tensorJson, valueJson } from '../serialize.js';

export type OutputFormat = 'jsonl' | 'csv' | 'json';

export function detectOutputFormat(path: string | undefined): OutputFormat {
  if (!path) return 'jsonl';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  return 'jsonl';
}

/** One JSON text per prediction row. */
export function predictionLines(out: ModelData): string[] {
  if (isDataFrame(out)) {
    const w = frameRowWriters(out);
    return Array.from({ length: out.rowCount }, (_, r) => frameRowJson(out, r, w.prefixes, w.floats));
  }
  if (isTensor(out)) return rowsOfTensor(out).map(tensorJson);
  if (isTensorDict(out)) {
    const entries = Object.entries(out).map(([k, t]) => [JSON.stringify(k), rowsOfTensor(t)] as const);
    const n = entries[0]?.[1].length ?? 0;
    return Array.from(
      { length: n },
      (_, r) => `{${entries.map(([k, rows]) => `${k}: ${tensorJson(rows[r]!)}`).join(', ')}}`,
    );
  }
  if (Array.isArray(out)) return out.map(valueJson);
  if (isNumericArray(out)) return Array.from({ length: out.length }, (_, i) => valueJson(cellValue(out, i)));
  return [valueJson(out)];
}

function rowsOfTensor(t: Tensor): Tensor[] {
  if (t.shape.length === 0) return [t];
  return Array.from({ length: t.shape[0]! }, (_, r) => {
    const row = t.slice(r, r + 1);
    return new (row.constructor as typeof import('../data.js').Tensor)(
      row.dtype,
      row.shape.slice(1),
      row.data,
    );
  });
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number')
    return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? valueJson(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Predictions as a table: columns and rows of cells. */
function predictionTable(out: ModelData): { columns: string[]; rows: (r: number) => string; count: number } {
  if (isDataFrame(out)) {
    const frame: DataFrame = out;
    return {
      columns: frame.columns,
      count: frame.rowCount,
      rows: (r) => frame.data.map((c) => csvCell(cellValue(c, r))).join(','),
    };
  }
  const single = (name: string, t: Tensor): { columns: string[]; cells: (r: number) => string[] } => {
    const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const columns = width === 1 ? [name] : Array.from({ length: width }, (_, i) => `${name}_${i}`);
    return {
      columns,
      cells: (r) => Array.from({ length: width }, (_, i) => csvCell(cellValue(t.data, r * width + i))),
    };
  };
  if (isTensor(out)) {
    const s = single('prediction', out);
    return { columns: s.columns, count: out.shape[0] ?? 1, rows: (r) => s.cells(r).join(',') };
  }
  if (isTensorDict(out)) {
    const parts = Object.entries(out).map(([k, t]) => single(k, t));
    const count = Object.values(out)[0]?.shape[0] ?? 0;
    return {
      columns: parts.flatMap((p) => p.columns),
      count,
      rows: (r) => parts.flatMap((p) => p.cells(r)).join(','),
    };
  }
  const list = Array.isArray(out) ? out : isNumericArray(out) ? Array.from(out as ArrayLike<unknown>) : [out];
  return { columns: ['prediction'], count: list.length, rows: (r) => csvCell(list[r]) };
}

export class PredictionWriter {
  private readonly stream: Writable;
  private headerWritten = false;
  private first = true;
  rows = 0;

  constructor(
    path: string | undefined,
    readonly format: OutputFormat,
  ) {
    if (!['jsonl', 'csv', 'json'].includes(format))
      throw invalidParam(`Unknown output format '${format}' (jsonl, csv or json).`);
    this.stream = path ? createWriteStream(path) : process.stdout;
  }

  private async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async writeChunk(out: ModelData): Promise<void> {
    if (this.format === 'csv') {
      const table = predictionTable(out);
      let text = '';
      if (!this.headerWritten) {
        text += `${table.columns.map(csvCell).join(',')}\n`;
        this.headerWritten = true;
      }
      for (let r = 0; r < table.count; r++) text += `${table.rows(r)}\n`;
      this.rows += table.count;
      await this.write(text);
      return;
    }
    const lines = predictionLines(out);
    this.rows += lines.length;
    if (this.format === 'jsonl') {
      if (lines.length) await this.write(`${lines.join('\n')}\n`);
      return;
    }
    let text = this.first ? '{"predictions": [' : '';
    if (lines.length) text += (this.first ? '' : ', ') + lines.join(', ');
    if (lines.length || this.first) this.first = false;
    await this.write(text);
  }

  async close(): Promise<void> {
    if (this.format === 'json') await this.write(this.first ? '{"predictions": []}\n' : ']}\n');
    if (this.stream === process.stdout) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
