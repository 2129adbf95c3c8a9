/**
 * How the proxy repository sends HTTP requests. The SDK injects its own transport (keep-alive,
 * retries with backoff, its credentials); without one, `plainHttpSender` sends each request once.
 * Streaming bodies go through node:http so that the socket's backpressure paces the reads (Node
 * 20's fetch reads a streamed request body ahead of the socket, pulling a large file into memory).
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { MlflowError } from '../errors.js';

export interface HttpSendOptions {
  headers?: Record<string, string>;
  /** Request body: bytes, or a function giving a fresh stream for each attempt. */
  body?: Buffer | (() => Readable);
  /** Whether repeating the request after an ambiguous failure is harmless. */
  idempotent?: boolean;
  /** Milliseconds to wait for the response. */
  timeoutMs?: number;
  /** `{ maxAttempts: 1 }` when the body cannot be produced twice. */
  retry?: { maxAttempts?: number };
}

export interface HttpAnswer {
  status: number;
  body: Readable;
}

/** Sends one request; error statuses are returned, not thrown (the repository decodes them). */
export interface ArtifactHttpSender {
  raw(method: string, url: URL | string, options?: HttpSendOptions): Promise<HttpAnswer>;
}

/** A sender without retries that adds `headers` (authentication) to every request. */
export function plainHttpSender(headers: Record<string, string> = {}): ArtifactHttpSender {
  return {
    raw(method, url, options = {}) {
      const target = typeof url === 'string' ? new URL(url) : url;
      const send = target.protocol === 'https:' ? https.request : http.request;
      const body = typeof options.body === 'function' ? options.body() : options.body;
      const allHeaders = { ...headers, ...options.headers };
      if (Buffer.isBuffer(body)) allHeaders['Content-Length'] = String(body.length);
      return new Promise<HttpAnswer>((resolve, reject) => {
        const req = send(target, { method, headers: allHeaders }, (res) => {
          req.setTimeout(0);
          resolve({ status: res.statusCode ?? 0, body: res });
        });
        const fail = (err: Error): void =>
          reject(
            new MlflowError(
              `Cannot reach the artifact server at ${target.origin}: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
              'TEMPORARILY_UNAVAILABLE',
            ),
          );
        req.on('error', fail);
        if (options.timeoutMs) {
          const ms = options.timeoutMs;
          req.setTimeout(ms, () => req.destroy(new Error(`no response within ${ms} ms`)));
        }
        if (body === undefined) req.end();
        else if (Buffer.isBuffer(body)) req.end(body);
        else {
          body.on('error', (err) => {
            req.destroy(err);
            reject(err);
          });
          body.pipe(req);
        }
      });
    },
  };
}
