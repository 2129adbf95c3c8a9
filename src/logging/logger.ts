/**
 * The servers' log: Fastify's built-in logger (pino), one JSON object per line by default or a
 * readable `time LEVEL message key=value` line with `--log-format text`. Header values that carry
 * credentials and fields named like secrets are replaced by `[redacted]` wherever they appear.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { LogController, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, DestinationStream } from 'pino';
import type { LogConfig } from '../config/network-config.js';
import { standardOutput } from './log-destination.js';

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
function textStream(out: DestinationStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const lines = String(chunk).split('\n').filter(Boolean);
      out.write(lines.map(formatTextLine).join(''));
      done();
    },
  });
}

let timeMs = NaN;
let timeField = '';

/**
 * Pino's time field, an ISO date. A busy server writes several lines per millisecond (one per
 * request): the text is made once per millisecond.
 */
function isoTime(): string {
  const now = Date.now();
  if (now !== timeMs) {
    timeMs = now;
    timeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timeField;
}

/** The field that carries the request id in every line about a request. */
export const REQUEST_ID_LABEL = 'req_id';

/** An incoming `X-Request-Id` is kept when it is a plain token (so a proxy's id links both logs). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * A request's logger (`request.log`): the pino child carrying the request id is made only when
 * something logs through it. Most requests log nothing but their request line, which is written
 * by the request log hook without one, so they are spared making a child logger.
 */
class RequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.logger.fatal as (...a: unknown[]) => void)(...args);
  }

  error(...args: unknown[]): void {
    (this.logger.error as (...a: unknown[]) => void)(...args);
  }

  warn(...args: unknown[]): void {
    (this.logger.warn as (...a: unknown[]) => void)(...args);
  }

  info(...args: unknown[]): void {
    (this.logger.info as (...a: unknown[]) => void)(...args);
  }

  debug(...args: unknown[]): void {
    (this.logger.debug as (...a: unknown[]) => void)(...args);
  }

  trace(...args: unknown[]): void {
    (this.logger.trace as (...a: unknown[]) => void)(...args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/**
 * The Fastify options for logging: level, format, redaction and request ids. `destination`
 * defaults to standard output (written asynchronously, see log-destination.ts).
 */
export function loggerOptions(
  log: LogConfig,
  destination: DestinationStream = standardOutput(),
): Pick<FastifyServerOptions, 'logger' | 'genReqId' | 'logController' | 'childLoggerFactory'> {
  return {
    logger: {
      level: log.level,
      stream: log.format === 'text' ? textStream(destination) : destination,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: isoTime,
      base: { pid: process.pid },
    },
    genReqId: requestIdOf,
    // One line per request is written by the request log hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: REQUEST_ID_LABEL }),
    childLoggerFactory: (logger, bindings, options) => new RequestLogger(logger, bindings, options),
  };
}
