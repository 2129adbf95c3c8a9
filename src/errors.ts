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
  return (STATUS_BY_CODE as Record<string, number>)[code] ?? 500;
}

export function isErrorCode(code: string): code is ErrorCode {
  return code in STATUS_BY_CODE;
}

/** Shorthands for the codes used most. */
export const invalidParam = (message: string): MlflowError =>
  new MlflowError(message, 'INVALID_PARAMETER_VALUE');
export const notFound = (message: string): MlflowError => new MlflowError(message, 'RESOURCE_DOES_NOT_EXIST');
export const alreadyExists = (message: string): MlflowError =>
  new MlflowError(message, 'RESOURCE_ALREADY_EXISTS');
export const badRequest = (message: string): MlflowError => new MlflowError(message, 'BAD_REQUEST');
