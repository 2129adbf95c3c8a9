/**
 * The one error type of Cairn. It carries an MLflow error code; the server maps the code to an
 * HTTP status and answers `{error_code, message}`.
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'BAD_REQUEST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'NOT_FOUND'
  | 'ENDPOINT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'CUSTOMER_UNAUTHORIZED'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_CONFLICT'
  | 'ABORTED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'RESOURCE_EXHAUSTED'
  | 'CANCELLED'
  | 'INTERNAL_ERROR'
  | 'INVALID_STATE'
  | 'DATA_LOSS'
  | 'NOT_IMPLEMENTED'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

export class MlflowError extends Error {
  readonly errorCode: ErrorCode;

  constructor(message: string, errorCode: ErrorCode = 'INTERNAL_ERROR') {
    super(message);
    this.name = 'MlflowError';
    this.errorCode = errorCode;
  }

  get httpStatus(): number {
    return httpStatusOf(this.errorCode);
  }

  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export function httpStatusOf(code: string): number {
  return isErrorCode(code) ? STATUS_BY_CODE[code] : 500;
}

/** Own keys only: `'toString' in STATUS_BY_CODE` would be true through the prototype. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(STATUS_BY_CODE, code);
}

/** The code of an HTTP error answer that named none (or an unknown one), from its status. */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 404) return 'RESOURCE_DOES_NOT_EXIST';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
}

/**
 * The error code and message of an HTTP error answer: those of an MLflow `{error_code, message}`
 * body when there is one, else derived from the status and the (truncated) text.
 */
export function describeErrorAnswer(status: number, text: string): { code: ErrorCode; message: string } {
  let code: ErrorCode | undefined;
  let message: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown } | null;
    if (typeof parsed?.error_code === 'string' && isErrorCode(parsed.error_code)) code = parsed.error_code;
    if (typeof parsed?.message === 'string' && parsed.message) message = parsed.message;
  } catch {
    // not JSON: a plain-text or HTML error page
  }
  return {
    code: code ?? errorCodeForStatus(status),
    message: message ?? (text.trim().slice(0, 500) || `HTTP ${status}`),
  };
}

/** Shorthands for the codes used most. */
export const invalidParam = (message: string): MlflowError =>
  new MlflowError(message, 'INVALID_PARAMETER_VALUE');
export const notFound = (message: string): MlflowError => new MlflowError(message, 'RESOURCE_DOES_NOT_EXIST');
export const alreadyExists = (message: string): MlflowError =>
  new MlflowError(message, 'RESOURCE_ALREADY_EXISTS');
export const badRequest = (message: string): MlflowError => new MlflowError(message, 'BAD_REQUEST');

/** What to answer for an error thrown while handling an HTTP request. */
export interface HttpErrorAnswer {
  status: number;
  error: MlflowError;
  /** The original error when it is Cairn's own failure: log it, never send it. */
  internal?: unknown;
}

/**
 * The one mapping from a thrown error to an HTTP answer, for the tracking server and the
 * scoring server alike. An MlflowError keeps its code and status. A request the HTTP framework
 * refused (a 4xx `statusCode`, e.g. a body past the limit) and a file name the operating system
 * refuses are the client's mistakes. Anything else (a TypeError, a driver error) is an internal
 * error: 500 with a generic message, and the original is handed back for the log.
 */
export function httpErrorOf(err: unknown): HttpErrorAnswer {
  if (err instanceof MlflowError) return { status: err.httpStatus, error: err };
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (e.code === 'ENAMETOOLONG' || e.code === 'ENOTDIR') {
    const error = invalidParam('Invalid path: the file system refused this name.');
    return { status: error.httpStatus, error };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code: ErrorCode = status === 413 ? 'RESOURCE_EXHAUSTED' : 'BAD_REQUEST';
    return { status, error: new MlflowError(String(e.message ?? `HTTP ${status}`), code) };
  }
  return { status: 500, error: new MlflowError('Internal server error.', 'INTERNAL_ERROR'), internal: err };
}
