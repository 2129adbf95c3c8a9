/**
 * The syntax half of filter parsing: turns tokens into `identifier comparator value` triples
 * joined by AND, without knowing which keys or value types a search API accepts.
 */
import { invalidParam } from '../errors.js';
import type { Comparator } from './ast.js';
import { isKeyword, shorten, type Token } from './tokenizer.js';

/** A value as written: its kind decides whether it may stand where a number or a string is expected. */
export type RawValue =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'number'; value: number; raw: string }
  /** `items` keeps numbers too, so that a wrong comparator is reported before a wrong list item. */
  | { kind: 'list'; items: { value: string | number; raw: string }[]; raw: string }
  | { kind: 'word'; raw: string };

export interface RawClause {
  identifier: Extract<Token, { kind: 'ident' | 'dstring' }>;
  comparator: Comparator;
  value: RawValue;
}

function describe(token: Token | undefined): string {
  return token === undefined ? 'end of filter' : `'${shorten(token.raw, 60)}'`;
}

export class ClauseReader {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly filter: string,
  ) {}

  private fail(message: string, token: Token | undefined): never {
    const at = token === undefined ? '' : ` at position ${token.pos}`;
    throw invalidParam(`Invalid filter '${shorten(this.filter)}'${at}: ${message}.`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token | undefined {
    return this.tokens[this.index++];
  }

  readAll(): RawClause[] {
    const clauses: RawClause[] = [];
    if (this.tokens.length === 0) return clauses;
    for (;;) {
      clauses.push(this.readClause());
      const token = this.next();
      if (token === undefined) return clauses;
      if (isKeyword(token, 'AND')) {
        if (this.peek() === undefined) this.fail("empty clause after 'AND'", token);
        continue;
      }
      if (isKeyword(token, 'OR')) {
        throw invalidParam(
          `Invalid clause(s) in filter string: 'OR'. Only AND is supported to combine clauses ` +
            `(filter '${shorten(this.filter)}').`,
        );
      }
      this.fail(`unexpected ${describe(token)} after a complete clause; join clauses with AND`, token);
    }
  }

  private readClause(): RawClause {
    const first = this.next();
    if (first === undefined) this.fail('empty clause', first);
    if (first.kind === 'lparen' || first.kind === 'rparen') {
      this.fail('parentheses grouping is not supported; write clauses joined with AND', first);
    }
    if (isKeyword(first, 'AND') || isKeyword(first, 'OR')) {
      if (isKeyword(first, 'OR')) this.fail("'OR' is not supported; only AND", first);
      this.fail("empty clause before 'AND'", first);
    }
    if (isKeyword(first, 'NOT')) this.fail("'NOT' is only supported as part of 'NOT IN'", first);
    if (first.kind !== 'ident' && first.kind !== 'dstring') {
      this.fail(`expected an identifier such as metrics.acc or params.lr, got ${describe(first)}`, first);
    }
    const comparator = this.readComparator(first);
    const value =
      comparator === 'IN' || comparator === 'NOT IN' ? this.readList(comparator) : this.readValue();
    return { identifier: first, comparator, value };
  }

  private readComparator(identifier: Token): Comparator {
    const token = this.next();
    if (token === undefined) this.fail(`expected a comparator after ${describe(identifier)}`, token);
    if (token.kind === 'op') {
      if (token.value === '<>') this.fail("unsupported comparator '<>'; use '!='", token);
      if (token.value === '==') this.fail("unsupported comparator '=='; use '='", token);
      return token.value;
    }
    if (isKeyword(token, 'LIKE')) return 'LIKE';
    if (isKeyword(token, 'ILIKE')) return 'ILIKE';
    if (isKeyword(token, 'IN')) return 'IN';
    if (isKeyword(token, 'NOT')) {
      const second = this.next();
      if (isKeyword(second, 'IN')) return 'NOT IN';
      this.fail(`expected 'IN' after 'NOT', got ${describe(second)}`, second);
    }
    if (token.kind === 'ident' && token.segments.length === 1 && !token.segments[0]!.quoted) {
      this.fail(
        `unsupported comparator ${describe(token)}; use one of =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN`,
        token,
      );
    }
    this.fail(`expected a comparator after ${describe(identifier)}, got ${describe(token)}`, token);
  }

  private readValue(): RawValue {
    const token = this.next();
    if (token === undefined) this.fail('expected a value after the comparator', token);
    switch (token.kind) {
      case 'string':
      case 'dstring':
        return { kind: 'string', value: token.value, raw: token.raw };
      case 'number':
        return { kind: 'number', value: token.value, raw: token.raw };
      case 'ident':
        if (isKeyword(token, 'AND') || isKeyword(token, 'OR')) {
          this.fail(`expected a value before ${describe(token)}`, token);
        }
        return { kind: 'word', raw: token.raw };
      case 'lparen':
        return this.fail('a parenthesized list is only allowed after IN or NOT IN', token);
      default:
        return this.fail(`expected a value, got ${describe(token)}`, token);
    }
  }

  private readList(comparator: Comparator): RawValue {
    const open = this.next();
    if (open === undefined || open.kind !== 'lparen') {
      this.fail(
        `expected a parenthesized list of quoted strings after ${comparator}, got ${describe(open)}`,
        open,
      );
    }
    const items: { value: string | number; raw: string }[] = [];
    for (;;) {
      const item = this.next();
      if (item === undefined) this.fail(`unterminated list after ${comparator}`, item);
      if (item.kind === 'rparen' && items.length === 0) {
        this.fail(`expected a non-empty list of quoted strings after ${comparator}`, item);
      }
      if (item.kind !== 'string' && item.kind !== 'dstring' && item.kind !== 'number') {
        this.fail(`expected a quoted string in the list after ${comparator}, got ${describe(item)}`, item);
      }
      items.push({ value: item.value, raw: item.raw });
      const sep = this.next();
      if (sep?.kind === 'rparen') break;
      if (sep?.kind !== 'comma') this.fail(`expected ',' or ')' in the list, got ${describe(sep)}`, sep);
    }
    const closing = this.tokens[this.index - 1]!;
    return { kind: 'list', items, raw: this.filter.slice(open.pos, closing.pos + 1) };
  }
}
