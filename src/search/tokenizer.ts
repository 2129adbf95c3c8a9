/**
 * Lexer shared by the filter and order-by parsers. It never throws anything but a
 * `FilterSyntaxError` (turned into an MlflowError by the callers, who know the context).
 */

/** One part of a dotted identifier: `tags`, `` `my key` ``, `"my.key"`. */
export interface Segment {
  text: string;
  quoted: boolean;
}

export type Token =
  /** A bare word or a dotted path, possibly with quoted/backticked parts (`metrics.acc`, `` tags.`a b` ``). */
  | { kind: 'ident'; segments: Segment[]; raw: string; pos: number }
  /** A single-quoted string: always a value. */
  | { kind: 'string'; value: string; raw: string; pos: number }
  /** A lone double-quoted string: a value on the right of a comparator, a key on the left. */
  | { kind: 'dstring'; value: string; raw: string; pos: number }
  | { kind: 'number'; value: number; raw: string; pos: number }
  | { kind: 'op'; value: '=' | '!=' | '<' | '<=' | '>' | '>=' | '<>' | '=='; raw: string; pos: number }
  | { kind: 'lparen' | 'rparen' | 'comma'; raw: string; pos: number };

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

/** Cuts long user text quoted in messages. */
export function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

// Unicode letters are allowed so keys in any script work unquoted, as they do in MLflow.
const WORD_START = /[\p{L}_$]/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}_$]/u;
const SEGMENT_START = /[\p{L}\p{N}_$`"]/u;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const OPERATORS = ['!=', '<=', '>=', '<>', '==', '=', '<', '>'] as const;

/**
 * Reads a quoted run starting at `start` (which holds the quote character). A doubled quote or a
 * backslash-escaped quote stands for the quote itself, `\\` for one backslash; any other backslash is
 * kept as is, so LIKE escapes such as `\%` reach the pattern untouched.
 */
function readQuoted(input: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < input.length) {
    const c = input[i]!;
    if (c === quote) {
      if (quote !== '`' && input[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (c === '\\' && quote !== '`' && i + 1 < input.length) {
      const next = input[i + 1]!;
      if (next === quote || next === '\\') {
        value += next;
        i += 2;
        continue;
      }
    }
    value += c;
    i += 1;
  }
  const what = quote === '`' ? 'backtick-quoted key' : 'quoted string';
  throw new FilterSyntaxError(`unterminated ${what} starting with ${input.slice(start, start + 20)}`, start);
}

function readWord(input: string, start: number): number {
  let i = start;
  while (i < input.length && WORD_CHAR.test(input[i]!)) i += 1;
  return i;
}

/** Reads `seg(.seg)*` where a segment is a word, a `` `backticked` `` or a `"double-quoted"` name. */
function readIdentifier(input: string, start: number): Token {
  const segments: Segment[] = [];
  let i = start;
  let onlyDoubleQuoted = true;
  for (;;) {
    const c = input[i]!;
    if (c === '`' || c === '"') {
      const { value, end } = readQuoted(input, i, c);
      segments.push({ text: value, quoted: true });
      if (c === '`') onlyDoubleQuoted = false;
      i = end;
    } else {
      const end = readWord(input, i);
      segments.push({ text: input.slice(i, end), quoted: false });
      onlyDoubleQuoted = false;
      i = end;
    }
    if (input[i] === '.' && i + 1 < input.length && SEGMENT_START.test(input[i + 1]!)) {
      i += 1;
      continue;
    }
    break;
  }
  const raw = input.slice(start, i);
  if (segments.length === 1 && onlyDoubleQuoted) {
    return { kind: 'dstring', value: segments[0]!.text, raw, pos: start };
  }
  return { kind: 'ident', segments, raw, pos: start };
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === "'") {
      const { value, end } = readQuoted(input, i, "'");
      tokens.push({ kind: 'string', value, raw: input.slice(i, end), pos: i });
      i = end;
      continue;
    }
    if (c === '"' || c === '`' || WORD_START.test(c)) {
      const token = readIdentifier(input, i);
      tokens.push(token);
      i = token.pos + token.raw.length;
      continue;
    }
    if (/[\d.-]/.test(c)) {
      const match = NUMBER.exec(input.slice(i));
      if (match) {
        const raw = match[0];
        const after = input[i + raw.length];
        if (after !== undefined && (WORD_CHAR.test(after) || after === '.')) {
          throw new FilterSyntaxError(`malformed number '${input.slice(i, i + raw.length + 1)}'`, i);
        }
        const value = Number(raw);
        if (!Number.isFinite(value)) throw new FilterSyntaxError(`number out of range: ${raw}`, i);
        tokens.push({ kind: 'number', value, raw, pos: i });
        i += raw.length;
        continue;
      }
    }
    const op = OPERATORS.find((o) => input.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', value: op, raw: op, pos: i });
      i += op.length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      const kind = c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma';
      tokens.push({ kind, raw: c, pos: i });
      i += 1;
      continue;
    }
    if (c === ';') throw new FilterSyntaxError('multiple statements are not supported', i);
    const shown = String.fromCodePoint(input.codePointAt(i)!);
    throw new FilterSyntaxError(
      `unexpected character '${shown}'; quote keys containing spaces, dashes or other special ` +
        'characters with backticks (e.g. metrics.`my-key`) and string values with single quotes',
      i,
    );
  }
  return tokens;
}

/** True when `token` is the bare keyword `word` (case-insensitive). */
export function isKeyword(token: Token | undefined, word: string): boolean {
  return (
    token !== undefined &&
    token.kind === 'ident' &&
    token.segments.length === 1 &&
    !token.segments[0]!.quoted &&
    token.segments[0]!.text.toUpperCase() === word
  );
}
