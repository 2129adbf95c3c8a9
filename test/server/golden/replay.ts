/**
 * Replays the exchanges recorded from MLflow 3.6 (test/fixtures/golden) against a Cairn
 * server, following the recording's README: placeholders in requests are substituted with the
 * values bound so far, responses are compared by status, JSON shape and normalized values.
 *
 * Ids and page tokens are bound by position: where the recording has `<run_id:3>` the value
 * Cairn returned at the same place becomes `<run_id:3>`. A divergence in one exchange therefore
 * cannot shift the numbering of all later ones.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { GOLDEN_FILE } from '../../helpers/fixtures.js';

export interface GoldenRecord {
  name: string;
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  body?: unknown;
  body_text?: string;
  headers?: Record<string, string | null>;
  status: number;
  content_type: string;
  response: unknown;
}

/** The recorded exchanges, in recording order. */
export function loadGolden(): GoldenRecord[] {
  return readFileSync(GOLDEN_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as GoldenRecord);
}

const PLACEHOLDER = /<(run_id|experiment_id|model_id|page_token|request_id):(\d+)>/g;
const VALUE_PATTERN: Record<string, string> = {
  run_id: '[0-9a-f]{32}',
  experiment_id: '\\d+',
  model_id: 'm-[0-9a-f]{32}',
  page_token: '.+?',
  request_id: '.+?',
};

export interface ActualResponse {
  status: number;
  contentType: string;
  text: string;
  json?: unknown;
}

export class Replayer {
  readonly bound = new Map<string, string>();
  /** Recorded value → the value Cairn legitimately holds instead (after a deliberate deviation). */
  readonly equivalents = new Map<string, string>();
  /** Recorded list items (as JSON) that exist only because MLflow accepted a bad request. */
  readonly dropped = new Set<string>();
  /** When the last answer arrived (ms): the next request starts in a later millisecond. */
  private lastAnswerAt = 0;
  constructor(private readonly baseUrl: string) {}

  /** A plain JSON call (for compensating requests after a deliberate deviation). */
  async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await this.send({
      name: 'compensation',
      method,
      path,
      body,
      status: 200,
      content_type: 'application/json',
      response: {},
    });
    if (res.status !== 200) throw new Error(`${method} ${path} -> ${res.status} ${res.text.slice(0, 200)}`);
    return (res.json ?? {}) as Record<string, unknown>;
  }

  /** Replaces bound placeholders in a request template (unbound ones stay as they are). */
  substitute(text: string): string {
    return text.replace(PLACEHOLDER, (whole) => this.bound.get(whole) ?? whole);
  }

  private substituteDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.substitute(value);
    if (Array.isArray(value)) return value.map((v) => this.substituteDeep(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.substituteDeep(v)]));
    }
    return value;
  }

  /** Sends one recorded request exactly as described (raw path: no dot-segment folding). */
  async send(rec: GoldenRecord): Promise<ActualResponse> {
    // MLflow's default orders (model versions by last update, then name and version) depend on
    // which of two writes came later. The recording was slow enough for every exchange to get its
    // own millisecond; a fast replay could stamp two writes alike and fall back to the tie-break
    // order, so each request starts after the millisecond in which the previous answer arrived.
    while (Date.now() <= this.lastAnswerAt) await new Promise((r) => setTimeout(r, 1));
    let path = this.substitute(rec.path);
    if (rec.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(rec.query)) {
        for (const item of Array.isArray(v) ? v : [v]) q.append(k, this.substitute(item));
      }
      path += `?${q.toString()}`;
    }
    const headers: Record<string, string> = {};
    let body: Buffer | undefined;
    if (rec.body !== undefined) body = Buffer.from(JSON.stringify(this.substituteDeep(rec.body)));
    else if (rec.body_text !== undefined) body = Buffer.from(this.substitute(rec.body_text));
    if (body !== undefined && rec.method !== 'PUT') headers['content-type'] = 'application/json';
    for (const [k, v] of Object.entries(rec.headers ?? {})) {
      if (v === null) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    if (['POST', 'PUT', 'PATCH'].includes(rec.method) || body !== undefined) {
      headers['content-length'] = String(body?.length ?? 0);
    }
    const url = new URL(this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: rec.method, path, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.lastAnswerAt = Date.now();
            const text = Buffer.concat(chunks).toString('utf8');
            const contentType = String(res.headers['content-type'] ?? '')
              .split(';', 1)[0]!
              .trim()
              .toLowerCase();
            let json: unknown;
            if (contentType === 'application/json' && text) {
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, contentType, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  /** Compares an actual response with the recording; returns the differences (empty = match). */
  compare(rec: GoldenRecord, actual: ActualResponse): string[] {
    const diffs: string[] = [];
    if (actual.status !== rec.status) diffs.push(`status ${actual.status}, expected ${rec.status}`);
    const family = (t: string) => t.split('/', 1)[0];
    if (rec.content_type === 'application/json') {
      if (actual.contentType !== 'application/json')
        diffs.push(`content type ${actual.contentType}, expected JSON`);
      else this.compareValue(rec.response, actual.json, '$', diffs);
    } else if (family(actual.contentType) !== family(rec.content_type)) {
      diffs.push(`content type ${actual.contentType}, expected ${rec.content_type}`);
    }
    return diffs;
  }

  private compareValue(expected: unknown, actual: unknown, at: string, diffs: string[]): void {
    if (diffs.length > 20) return;
    if (typeof expected === 'string') return this.compareString(expected, actual, at, diffs);
    if (typeof expected === 'number') {
      if (typeof actual !== 'number' || actual !== expected)
        diffs.push(`${at}: ${JSON.stringify(actual)} != ${expected}`);
      return;
    }
    if (expected === null || typeof expected === 'boolean') {
      if (actual !== expected) diffs.push(`${at}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
      return;
    }
    if (Array.isArray(expected)) {
      const list = this.dropped.size
        ? expected.filter((item) => !this.dropped.has(JSON.stringify(item)))
        : expected;
      if (!Array.isArray(actual)) return void diffs.push(`${at}: expected a list, got ${typeof actual}`);
      if (actual.length !== list.length) diffs.push(`${at}: ${actual.length} items, expected ${list.length}`);
      const n = Math.min(actual.length, list.length);
      for (let i = 0; i < n; i++) this.compareValue(list[i], actual[i], `${at}[${i}]`, diffs);
      return;
    }
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) {
      return void diffs.push(`${at}: expected an object, got ${JSON.stringify(actual)?.slice(0, 80)}`);
    }
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const ek = Object.keys(e).sort();
    const ak = Object.keys(a).sort();
    if (ek.join(',') !== ak.join(','))
      diffs.push(`${at}: keys [${ak.join(', ')}], expected [${ek.join(', ')}]`);
    const isError = 'error_code' in e;
    for (const k of ek) {
      if (!(k in a)) continue;
      // Error messages are informational (README rule 4): only their presence is checked.
      if (isError && k === 'message') {
        if (typeof a[k] !== 'string' || !a[k]) diffs.push(`${at}.message: empty`);
        continue;
      }
      this.compareValue(e[k], a[k], `${at}.${k}`, diffs);
    }
  }

  private compareString(expected: string, actual: unknown, at: string, diffs: string[]): void {
    const fail = () =>
      diffs.push(
        `${at}: ${JSON.stringify(actual)?.slice(0, 120)} != ${JSON.stringify(expected).slice(0, 120)}`,
      );
    const substitute = this.equivalents.get(expected);
    if (substitute !== undefined) {
      if (actual !== substitute) fail();
      return;
    }
    if (expected === '<ts>') {
      if (typeof actual !== 'number' || !Number.isSafeInteger(actual) || actual < 1e12) fail();
      return;
    }
    if (typeof actual !== 'string') return void fail();
    if (expected === '<run_name>') {
      if (!/^[a-z]+-[a-z]+-\d{1,3}$/.test(actual) || actual.length > 20) fail();
      return;
    }
    if (expected === '<generated_name>') {
      if (!actual) fail();
      return;
    }
    const names: string[] = [];
    let pattern = '';
    let last = 0;
    for (const m of expected.matchAll(PLACEHOLDER)) {
      pattern += escapeRegex(expected.slice(last, m.index));
      const bound = this.bound.get(m[0]);
      if (bound !== undefined) pattern += escapeRegex(bound);
      else if (names.includes(m[0])) pattern += `\\k<g${names.indexOf(m[0])}>`;
      else {
        pattern += `(?<g${names.length}>${VALUE_PATTERN[m[1]!]})`;
        names.push(m[0]);
      }
      last = m.index! + m[0].length;
    }
    if (!names.length && last === 0) {
      if (actual !== expected) fail();
      return;
    }
    pattern += escapeRegex(expected.slice(last));
    const match = new RegExp(`^${pattern}$`, 's').exec(actual);
    if (!match) return void fail();
    names.forEach((name, i) => {
      const value = match.groups![`g${i}`]!;
      const clash = [...this.bound.entries()].find(
        ([k, v]) => v === value && k !== name && !k.startsWith('<page_token'),
      );
      if (clash) diffs.push(`${at}: ${name} = ${value} is already bound to ${clash[0]}`);
      else this.bound.set(name, value);
    });
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
