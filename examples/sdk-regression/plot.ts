/**
 * A tiny line-plot renderer that writes PNG bytes with nothing but node:zlib: enough to log a
 * training curve as an image artifact without a plotting library.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes an RGB image (3 bytes per pixel, rows top to bottom) as PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

type Rgb = [number, number, number];

/** Plots series of y values (x = index) on a white canvas with axes; returns PNG bytes. */
export function plotLines(series: { values: number[]; color: Rgb }[], width = 480, height = 320): Buffer {
  const px = new Uint8Array(width * height * 3).fill(255);
  const set = (x: number, y: number, [r, g, b]: Rgb): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (Math.round(y) * width + Math.round(x)) * 3;
    px[i] = r;
    px[i + 1] = g;
    px[i + 2] = b;
  };
  const margin = 30;
  const grey: Rgb = [120, 120, 120];
  for (let x = margin; x < width - 10; x++) set(x, height - margin, grey);
  for (let y = 10; y <= height - margin; y++) set(margin, y, grey);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || 1;
  for (const { values, color } of series) {
    const n = Math.max(2, values.length);
    let prev: [number, number] | undefined;
    values.forEach((v, i) => {
      const x = margin + (i / (n - 1)) * (width - margin - 10);
      const y = height - margin - ((v - lo) / span) * (height - margin - 10);
      if (prev) {
        const steps = Math.max(Math.abs(x - prev[0]), Math.abs(y - prev[1]), 1);
        for (let s = 0; s <= steps; s++) {
          const xx = prev[0] + ((x - prev[0]) * s) / steps;
          const yy = prev[1] + ((y - prev[1]) * s) / steps;
          set(xx, yy, color);
          set(xx, yy + 1, color);
        }
      }
      prev = [x, y];
    });
  }
  return encodePng(width, height, px);
}
