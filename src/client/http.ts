/**
 * HTTP transport of the SDK: keep-alive connections, JSON requests, MLflow error decoding and
 * retries with exponential backoff and jitter.
 *
 * Failures are classified by whether the server may have acted on the request, because metric
 * writes are append-only and must not be repeated blindly:
 *   - not delivered (connection refused, DNS failure, 429, 503): always safe to retry;
 *   - ambiguous (connection reset after the request was written, response timeout, a gateway's
 *     502 or 504 — a load balancer whose server went away mid-request): retried only for
 *     idempotent requests; otherwise surfaced as a `TransportError` with `ambiguous: true`.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { MlflowError, describeErrorAnswer, type ErrorCode } from '../errors.js';
import { authorizationHeaders } from './credentials.js';

/** Raised when the server could not be reached or gave no usable answer. */
export class TransportError extends MlflowError {
  /** True when the server may have processed the request (it was sent but no answer arrived). */
  readonly ambiguous: boolean;
  /**
   * HTTP status when the server answered 429/503 (or a gateway 502/504), undefined when it could
   * not be reached.
   */
  readonly status: number | undefined;

  constructor(message: string, ambiguous: boolean, status?: number) {
    super(message, status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE');
    this.name = 'TransportError';
    this.ambiguous = ambiguous;
    this.status = status;
  }
}

/** An error answer of the server, with the MLflow error code and the server's message. */
export class HttpError extends MlflowError {
  readonly status: number;
  constructor(message: string, errorCode: ErrorCode, status: number) {
    super(message, errorCode);
    this.name = 'HttpError';
    this.status = status;
  }
}

export interface RetryPolicy {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  /** First backoff delay; doubled on each retry, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5000 };

export interface TransportOptions {
  retry?: Partial<RetryPolicy>;
  /** Milliseconds to wait for a response before the attempt counts as failed (ambiguous). */
  timeoutMs?: number;
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Maximum sockets per host kept open for reuse. */
  maxSockets?: number;
  /** Reuse connections between requests (default true; false opens one connection per request). */
  keepAlive?: boolean;
  /** The agent to connect with (e.g. one that checks every address it connects to). */
  agent?: http.Agent;
  /** Largest JSON answer read, in bytes (default: no limit). */
  maxResponseBytes?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | readonly (string | number)[] | undefined>;
  body?: unknown;
  /** Whether repeating the request is harmless (GET, set-tag, ...). Default: GET/PUT/DELETE yes. */
  idempotent?: boolean;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
}

export interface RawRequestOptions {
  headers?: Record<string, string>;
  /** Request body: bytes, or a factory giving a fresh stream per attempt. */
  body?: Buffer | string | (() => Readable);
  idempotent?: boolean;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Delay before retry number `attempt` (1-based): full jitter over an exponential window. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(window / 2 + Math.random() * (window / 2));
}

/** Normalizes a tracking URI (`http://host:port[/prefix]`) to a base without trailing slash. */
export function normalizeBaseUrl(uri: string): string {
  const url = new URL(uri);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MlflowError(
      `Tracking URI must be http:// or https://, got '${uri}'.`,
      'INVALID_PARAMETER_VALUE',
    );
  }
  return uri.replace(/\/+$/, '');
}

export class HttpTransport {
  readonly baseUrl: string;
  private readonly agent: http.Agent;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;

  constructor(baseUrl: string, options: TransportOptions = {}) {
    this.baseUrl = normalizeBaseUrl(baseUrl);
    const isHttps = this.baseUrl.startsWith('https:');
    const agentOptions = {
      keepAlive: options.keepAlive ?? true,
      maxSockets: options.maxSockets ?? 16,
      keepAliveMsecs: 1000,
    };
    this.agent = options.agent ?? (isHttps ? new https.Agent(agentOptions) : new http.Agent(agentOptions));
    this.maxResponseBytes = options.maxResponseBytes ?? Infinity;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 60_000;
    // Credentials from the environment or ~/.mlflow/credentials, unless the caller gives its own.
    this.headers = { ...authorizationHeaders(), ...options.headers };
  }

  /** Closes idle keep-alive sockets (lets the process exit promptly). */
  close(): void {
    this.agent.destroy();
  }

  /** Sends a JSON request to `/api/2.0/mlflow/<path>` (or an absolute `/...` path) and parses the answer. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(
      path.startsWith('/') ? `${this.baseUrl}${path}` : `${this.baseUrl}/api/2.0/mlflow/${path}`,
    );
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    const hasBody = method !== 'GET' && options.body !== undefined;
    const res = await this.raw(method, url, {
      // Large answers (histories, pages of runs) come compressed from servers that do so.
      headers: hasBody ? { 'Content-Type': 'application/json', ...ACCEPT_COMPRESSED } : ACCEPT_COMPRESSED,
      body: hasBody ? JSON.stringify(options.body) : undefined,
      idempotent: options.idempotent,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
    });
    if (res.status >= 300 && res.status < 400) {
      res.body.resume();
      throw new HttpError(
        `${url.origin} answered ${res.status} (a redirect${res.headers.location ? ` to ${String(res.headers.location).slice(0, 200)}` : ''}); redirects are not followed: use the final address.`,
        'INVALID_PARAMETER_VALUE',
        res.status,
      );
    }
    // The limit counts the decoded bytes: a small compressed answer cannot grow past it.
    const text = (
      await readAll(decodedBody(res), this.maxResponseBytes).catch((err: unknown) => {
        throw undecodable(err, url, res);
      })
    ).toString('utf8');
    if (res.status >= 200 && res.status < 300) return (text ? JSON.parse(text) : {}) as T;
    throw errorFromResponse(res.status, text);
  }

  /**
   * Sends one request with retries and returns the response stream of the first attempt that got
   * an answer other than 429, 502, 503 or 504. Error statuses are returned, not thrown (the caller
   * decodes them).
   */
  async raw(method: string, url: URL | string, options: RawRequestOptions = {}): Promise<RawResponse> {
    const policy = { ...this.retry, ...options.retry };
    const idempotent = options.idempotent ?? method !== 'POST';
    for (let attempt = 1; ; attempt++) {
      let failure: TransportError;
      try {
        const res = await this.once(method, typeof url === 'string' ? new URL(url) : url, options);
        const gateway = res.status === 502 || res.status === 504;
        if (res.status !== 429 && res.status !== 503 && !gateway) return res;
        const text = (await readAll(res.body)).toString('utf8');
        failure = new TransportError(
          `Server answered ${res.status}: ${decodeMessage(text) ?? (gateway ? 'no answer through the gateway' : 'unavailable')}`,
          gateway,
          res.status,
        );
        const retryAfter = Number(res.headers['retry-after']);
        if (attempt < policy.maxAttempts && Number.isFinite(retryAfter) && retryAfter > 0) {
          await sleep(Math.min(policy.maxDelayMs, retryAfter * 1000));
          continue;
        }
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        failure = err;
      }
      if (attempt >= policy.maxAttempts || (failure.ambiguous && !idempotent)) throw failure;
      await sleep(backoffDelay(attempt, policy));
    }
  }

  private once(method: string, url: URL, options: RawRequestOptions): Promise<RawResponse> {
    const client = url.protocol === 'https:' ? https : http;
    const body = typeof options.body === 'function' ? options.body() : options.body;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...this.headers,
      ...options.headers,
    };
    if (typeof body === 'string' || Buffer.isBuffer(body))
      headers['Content-Length'] = String(Buffer.byteLength(body));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<RawResponse>((resolve, reject) => {
      // A request counts as delivered once its socket connected: before that, nothing reached the server.
      let connected = false;
      const req = client.request(url, { method, headers, agent: this.agent }, (res) => {
        req.setTimeout(0);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const notDelivered =
          !connected ||
          err.code === 'ECONNREFUSED' ||
          err.code === 'ENOTFOUND' ||
          err.code === 'EAI_AGAIN' ||
          err.code === 'EHOSTUNREACH';
        reject(
          new TransportError(
            `Cannot reach the tracking server at ${url.origin}: ${err.code ?? err.message}`,
            !notDelivered,
          ),
        );
      });
      if (body === undefined) req.end();
      else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }
}

const ACCEPT_COMPRESSED = { 'Accept-Encoding': 'br, gzip' };

/** The answer's body as sent before compression (by its Content-Encoding: br or gzip). */
function decodedBody(res: RawResponse): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding !== 'br' && encoding !== 'gzip') return res.body;
  const decoder = encoding === 'br' ? createBrotliDecompress() : createGunzip();
  res.body.on('error', (err) => decoder.destroy(err));
  return res.body.pipe(decoder);
}

/** A body that fails to decompress (zlib's errors carry a Z_ code) as an error that says so. */
function undecodable(err: unknown, url: URL, res: RawResponse): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return err;
  return new HttpError(
    `The answer from ${url.origin} could not be decoded as ${String(res.headers['content-encoding'])}: ${(err as Error).message}`,
    'INTERNAL_ERROR',
    res.status,
  );
}

export async function readAll(stream: Readable, maxBytes = Infinity): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes) {
      stream.destroy();
      throw new MlflowError(
        `The answer is larger than ${maxBytes} bytes: not read.`,
        'INVALID_PARAMETER_VALUE',
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function decodeMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return text.trim() ? text.trim().slice(0, 500) : undefined;
}

/** Turns an error answer into an MlflowError carrying the server's error code and message. */
export function errorFromResponse(status: number, text: string): HttpError {
  const { code, message } = describeErrorAnswer(status, text);
  return new HttpError(message, code, status);
}
