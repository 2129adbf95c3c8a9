/**
 * Decimal numbers parsed straight from CSV bytes, without building a string per cell (what makes
 * million-row files fast).
 */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/**
 * Parses a decimal number from bytes [s, e). Uses the exact fast path (integer mantissa below
 * 2^53 scaled by an exact power of ten, which IEEE division/multiplication rounds correctly) and
 * falls back to `Number()` on the text otherwise; NaN when the bytes are not a number.
 */
export function parseNumberBytes(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) {
    neg = buf[i] === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  let c = 0;
  while (i < e && (c = buf[i]!) >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < e && buf[i] === 46) {
    i++;
    while (i < e && (c = buf[i]!) >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      scale--;
      i++;
    }
  }
  if (digits === 0) return slowNumber(buf, s, e);
  if (i < e) {
    if (buf[i] !== 101 && buf[i] !== 69) return slowNumber(buf, s, e);
    i++;
    let eneg = false;
    if (i < e && (buf[i] === 45 || buf[i] === 43)) {
      eneg = buf[i] === 45;
      i++;
    }
    let exp = 0;
    let edigits = 0;
    while (i < e && (c = buf[i]!) >= 48 && c <= 57) {
      exp = exp * 10 + (c - 48);
      edigits++;
      i++;
    }
    if (edigits === 0 || i < e) return NaN;
    scale += eneg ? -exp : exp;
  }
  if (digits > 15 || scale < -22 || scale > 22) return slowNumber(buf, s, e);
  const v = scale < 0 ? mant / POW10[-scale]! : mant * POW10[scale]!;
  return neg ? -v : v;
}

const decoder = new TextDecoder();

function slowNumber(buf: Uint8Array, s: number, e: number): number {
  const text = decoder.decode(buf.subarray(s, e)).trim();
  if (text === '') return NaN;
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(text);
}
