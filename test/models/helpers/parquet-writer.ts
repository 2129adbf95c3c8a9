/**
 * Writes a minimal Parquet file (uncompressed, PLAIN-encoded, required DOUBLE columns, several
 * row groups) with the Thrift compact protocol by hand, so tests need no Parquet library.
 */
import { writeFile } from 'node:fs/promises';

class Compact {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(v: bigint | number): void {
    let n = BigInt(v);
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (n > 0n);
  }
  zigzag(v: number): void {
    const n = BigInt(v);
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n);
  }
  field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.field(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number): void {
    this.field(id, 6);
    this.zigzag(v);
  }
  str(id: number, s: string): void {
    this.field(id, 8);
    const b = Buffer.from(s);
    this.varint(b.length);
    this.bytes.push(...b);
  }
  begin(id: number): void {
    this.field(id, 12);
    this.last.push(0);
  }
  end(): void {
    this.bytes.push(0);
    this.last.pop();
  }
  list(id: number, elemType: number, n: number): void {
    this.field(id, 9);
    this.bytes.push(n < 15 ? (n << 4) | elemType : 0xf0 | elemType);
    if (n >= 15) this.varint(n);
  }
  /** A struct element of a list (no field header). */
  beginElem(): void {
    this.last.push(0);
  }
}

export async function writeParquet(
  path: string,
  columns: Record<string, number[]>,
  rowGroupSize: number,
): Promise<void> {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.length;
  const out: number[] = [...Buffer.from('PAR1')];
  const groups: { offsets: number[]; sizes: number[]; rows: number }[] = [];
  for (let start = 0; start < rows; start += rowGroupSize) {
    const n = Math.min(rowGroupSize, rows - start);
    const offsets: number[] = [];
    const sizes: number[] = [];
    for (const name of names) {
      const values = Buffer.alloc(n * 8);
      for (let i = 0; i < n; i++) values.writeDoubleLE(columns[name]![start + i]!, i * 8);
      const h = new Compact();
      h.i32(1, 0);
      h.i32(2, values.length);
      h.i32(3, values.length);
      h.begin(5);
      h.i32(1, n);
      h.i32(2, 0);
      h.i32(3, 3);
      h.i32(4, 3);
      h.end();
      h.bytes.push(0);
      offsets.push(out.length);
      out.push(...h.bytes, ...values);
      sizes.push(h.bytes.length + values.length);
    }
    groups.push({ offsets, sizes, rows: n });
  }
  const m = new Compact();
  m.i32(1, 1);
  m.list(2, 12, names.length + 1);
  m.beginElem();
  m.str(4, 'schema');
  m.i32(5, names.length);
  m.end();
  for (const name of names) {
    m.beginElem();
    m.i32(1, 5);
    m.i32(3, 0);
    m.str(4, name);
    m.end();
  }
  m.i64(3, rows);
  m.list(4, 12, groups.length);
  for (const g of groups) {
    m.beginElem();
    m.list(1, 12, names.length);
    names.forEach((name, c) => {
      m.beginElem();
      m.i64(2, g.offsets[c]!);
      m.begin(3);
      m.i32(1, 5);
      m.list(2, 5, 1);
      m.zigzag(0);
      m.list(3, 8, 1);
      m.varint(Buffer.byteLength(name));
      m.bytes.push(...Buffer.from(name));
      m.i32(4, 0);
      m.i64(5, g.rows);
      m.i64(6, g.sizes[c]!);
      m.i64(7, g.sizes[c]!);
      m.i64(9, g.offsets[c]!);
      m.end();
      m.end();
    });
    m.i64(
      2,
      g.sizes.reduce((a, b) => a + b, 0),
    );
    m.i64(3, g.rows);
    m.end();
  }
  m.bytes.push(0);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(m.bytes.length);
  out.push(...m.bytes, ...len, ...Buffer.from('PAR1'));
  await writeFile(path, Uint8Array.from(out));
}
