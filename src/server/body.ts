import type { FastifyRequest } from 'fastify';
import { badRequest } from '../errors.js';
import type { Fields } from './endpoint.js';

/**
 * Decodes a JSON request body as MLflow does: empty means `{}`, a JSON-encoded string holding
 * an object (sent by legacy clients) is decoded twice. Anything but an object is a 400.
 */
export function parseJsonBody(raw: Buffer): Fields {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
    if (typeof value === 'string') value = JSON.parse(value);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return value as Fields;
}

/** Decodes a query string: a repeated key becomes a list. */
export function parseQuery(url: string): Fields {
  const q = url.indexOf('?');
  const fields: Fields = {};
  if (q < 0) return fields;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
    const prev = fields[k];
    if (prev === undefined) fields[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else fields[k] = [prev, v];
  }
  return fields;
}

type WithBodyLength = FastifyRequest & { rawBodyLength?: number };

/** Remembers the byte length of the JSON body just read, for handlers with a size rule. */
export function recordRawBodyLength(request: FastifyRequest, length: number): void {
  (request as WithBodyLength).rawBodyLength = length;
}

/** Byte length of the JSON body of the current API call (for log-batch's size limit). */
export function rawBodyLength(request: FastifyRequest): number {
  return (request as WithBodyLength).rawBodyLength ?? 0;
}
