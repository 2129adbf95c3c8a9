/** Small helpers shared by the tracking API tests. */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { ApiResponse } from '../helpers/server.js';

/** Asserts an MLflow error answer: the status, `{error_code, message}` and nothing else. */
export function assertError(
  res: ApiResponse,
  status: number,
  code: string,
  messagePart?: string | RegExp,
): void {
  assert.equal(
    res.status,
    status,
    `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 300)}`,
  );
  assert.equal(res.contentType, 'application/json');
  assert.deepEqual(Object.keys(res.json).sort(), ['error_code', 'message']);
  assert.equal(res.json.error_code, code);
  assert.equal(typeof res.json.message, 'string');
  if (messagePart instanceof RegExp) assert.match(String(res.json.message), messagePart);
  else if (messagePart) assert.ok(String(res.json.message).includes(messagePart), String(res.json.message));
}

export function assertOk(res: ApiResponse): void {
  assert.equal(res.status, 200, `expected 200, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.equal(res.contentType, 'application/json');
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  headers: IncomingHttpHeaders;
  /** The bytes as sent (not decoded, whatever their Content-Encoding). */
  body: Buffer;
}

/** Sends a request byte for byte (raw path, raw body, chosen headers). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? '').split(';', 1)[0]!,
          text: body.toString('utf8'),
          headers: res.headers,
          body,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const RUN_NAME = /^[a-z]+-[a-z]+-(0|[1-9]\d{0,2})$/;
