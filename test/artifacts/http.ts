/** Raw HTTP for artifact tests: paths are sent byte for byte (fetch would normalize `..`). */
import { request } from 'node:http';
import type { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json?: Record<string, unknown>;
  contentType: string;
}

export function rawRequest(
  baseUrl: string,
  method: string,
  rawPath: string,
  options: { body?: Buffer | string | Readable; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers = { ...(options.headers ?? {}) };
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
    headers['Content-Length'] ??= String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const contentType = String(res.headers['content-type'] ?? '')
          .split(';', 1)[0]!
          .trim();
        let json: Record<string, unknown> | undefined;
        if (contentType === 'application/json' && body.length)
          json = JSON.parse(body.toString()) as Record<string, unknown>;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: body.toString(),
          json,
          contentType,
        });
      });
    });
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}
