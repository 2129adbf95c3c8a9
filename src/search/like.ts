/**
 * LIKE / ILIKE patterns as Cairn understands them: `%` matches any run of characters, `_` exactly
 * one; a backslash makes the next `%`, `_` or `\` literal. Any other backslash is an ordinary
 * character, so Windows paths need no escaping. The same meaning is given to SQL (every dialect
 * compiles LIKE with `\` as escape character) and to in-memory matching.
 */

type Piece = { literal: string } | { wildcard: '%' | '_' };

function pieces(pattern: string): Piece[] {
  const out: Piece[] = [];
  // Iterate by code point so `_` matches one character, not half of a surrogate pair.
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i += 1) {
    const c = chars[i]!;
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === '%' || next === '_' || next === '\\') {
        out.push({ literal: next });
        i += 1;
        continue;
      }
      out.push({ literal: c });
    } else if (c === '%' || c === '_') {
      out.push({ wildcard: c });
    } else {
      out.push({ literal: c });
    }
  }
  return out;
}

/**
 * The pattern to bind for `expr LIKE ? ESCAPE '\'` (the escape character of every supported
 * dialect): literal `%`, `_` and `\` are escaped, wildcards kept.
 */
export function likePatternToSql(pattern: string): string {
  return pieces(pattern)
    .map((p) => ('wildcard' in p ? p.wildcard : p.literal.replace(/[\\%_]/g, (m) => `\\${m}`)))
    .join('');
}

/** Escapes a literal string for use inside a LIKE pattern (e.g. a prefix search `abc%`). */
export function escapeLikeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** A RegExp matching exactly what the pattern matches in SQL (whole string, `i` flag for ILIKE). */
export function likeToRegExp(pattern: string, caseInsensitive = false): RegExp {
  const source = pieces(pattern)
    .map((p) => {
      if ('wildcard' in p) return p.wildcard === '%' ? '.*' : '.';
      return p.literal.replace(/[\\^$.*+?()[\]{}|/]/g, (m) => `\\${m}`);
    })
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'isu' : 'su');
}

/** In-memory LIKE (`caseInsensitive` = ILIKE). */
export function matchesLike(value: string, pattern: string, caseInsensitive = false): boolean {
  return likeToRegExp(pattern, caseInsensitive).test(value);
}
