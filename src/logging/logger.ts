/**
 * The servers' log: Fastify's built-in logger (pino), one JSON object per line by default or a
 * readable `time LEVEL message key=value` line with `--log-format text`. Header values that carry
 * credentials and fields named like secrets are replaced by `[redacted]` wherever they appear.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { LogController, type FastifyServerOptions } from 'fastify';
import type { LogConfig } from '../config/network-config.js';

/** Paths of values that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  'password',
  'token',
  'secret',
];

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Turns pino's JSON lines into `time LEVEL message key=value ...` lines (an error's stack last). */
export function formatTextLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, err, pid: _pid, hostname: _host, ...rest } = entry;
  const parts = [
    String(time ?? ''),
    (LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5),
    String(msg ?? ''),
  ];
  for (const [k, v] of Object.entries(rest)) parts.push(`${k}=${textValue(v)}`);
  let text = parts.join(' ');
  const error = err as { message?: string; stack?: string } | undefined;
  if (error) text += ` error=${textValue(error.message ?? '')}${error.stack ? `\n${error.stack}` : ''}`;
  return `${text}\n`;
}

/** A stream that writes pino's lines to `out` in the text format. */
function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const lines = String(chunk).split('\n').filter(Boolean);
      out.write(lines.map(formatTextLine).join(''));
      done();
    },
  });
}

/** An incoming `X-Request-Id` is kept when it is a plain token (so a proxy's id links both logs). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The Fastify options for logging: level, format, redaction and request ids. `destination`
 * defaults to standard output.
 */
export function loggerOptions(
  log: LogConfig,
  destination: NodeJS.WritableStream = process.stdout,
): Pick<FastifyServerOptions, 'logger' | 'genReqId' | 'logController'> {
  return {
    logger: {
      level: log.level,
      stream: log.format === 'text' ? textStream(destination) : destination,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      base: { pid: process.pid },
    },
    genReqId: requestIdOf,
    // One line per request is written by the request log hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'req_id' }),
  };
}
