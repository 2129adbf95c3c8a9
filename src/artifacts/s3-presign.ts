/**
 * AWS Signature V4 query-string presigning for single S3 requests (multipart part uploads that
 * a client sends straight to the object store). Written against the published algorithm so no
 * extra SDK package is needed.
 */
import { createHash, createHmac } from 'node:crypto';

export interface PresignCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PresignRequest {
  method: string;
  /** Base URL of the request: protocol, host, port and path (already pointing at the object). */
  url: URL;
  /** Extra query parameters (e.g. partNumber, uploadId). */
  query?: Record<string, string>;
  region: string;
  credentials: PresignCredentials;
  expiresInSeconds: number;
  /** Signing time; now by default. */
  now?: Date;
}

/** RFC 3986 encoding as SigV4 requires (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

export function presignUrl(req: PresignRequest): string {
  const now = req.now ?? new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const dateStamp = amzDate.slice(0, 8);
  const scope = `${dateStamp}/${req.region}/s3/aws4_request`;
  const params: Record<string, string> = {
    ...(req.query ?? {}),
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${req.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(req.expiresInSeconds),
    'X-Amz-SignedHeaders': 'host',
  };
  if (req.credentials.sessionToken) params['X-Amz-Security-Token'] = req.credentials.sessionToken;
  const canonicalQuery = Object.keys(params)
    .map((k) => [rfc3986(k), rfc3986(params[k]!)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  // The path arrives decoded in `url.pathname` only partially; rebuild it from decoded segments.
  const canonicalUri = url2path(req.url);
  const canonicalRequest = [
    req.method,
    canonicalUri,
    canonicalQuery,
    `host:${req.url.host}\n`,
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const kDate = hmac(`AWS4${req.credentials.secretAccessKey}`, dateStamp);
  const kSigning = hmac(hmac(hmac(kDate, req.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return `${req.url.protocol}//${req.url.host}${canonicalUri}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

function url2path(url: URL): string {
  return url.pathname
    .split('/')
    .map((segment) => rfc3986(decodeURIComponent(segment)))
    .join('/');
}
