/**
 * The server's one error handler: every failure answers `{error_code, message}` with the status of
 * its code. A user mistake is a 4xx; a full disk is a retryable 503; a client that went away gets
 * no answer and no error log; anything unexpected is a 500 whose details go to the log (with the
 * request id), never into the answer.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MlflowError } from '../errors.js';
import { discardRest, isClientAbort } from '../security/request-body.js';

/** Seconds a client is asked to wait before retrying after the storage was full. */
const STORAGE_FULL_RETRY_AFTER = 60;

export function sendError(reply: FastifyReply, err: MlflowError): FastifyReply {
  return reply.code(err.httpStatus).type('application/json').send(err.toJSON());
}

/** The MLflow error a failure is answered with, and whether it is the server's own failure. */
function classify(error: FastifyError): { err: MlflowError; serverFault: boolean } {
  if (error instanceof MlflowError) return { err: error, serverFault: error.httpStatus >= 500 };
  const errno = (error as { code?: string }).code;
  // A file name the operating system refuses (too long, invalid) is the client's mistake.
  if (errno === 'ENAMETOOLONG' || errno === 'ENOTDIR') {
    return {
      err: new MlflowError('Invalid path: the file system refused this name.', 'INVALID_PARAMETER_VALUE'),
      serverFault: false,
    };
  }
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return {
      err: new MlflowError(
        'The artifact storage is full; nothing was changed. Retry once space has been freed.',
        'TEMPORARILY_UNAVAILABLE',
      ),
      serverFault: true,
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return {
      err: new MlflowError(error.message, status === 413 ? 'RESOURCE_EXHAUSTED' : 'BAD_REQUEST'),
      serverFault: false,
    };
  }
  return { err: new MlflowError('Internal server error.', 'INTERNAL_ERROR'), serverFault: true };
}

export async function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (isClientAbort(request.raw, error)) {
    request.log.info({ path: request.url.split('?', 1)[0] }, 'the client closed the connection mid-request');
    reply.hijack();
    return undefined;
  }
  const { err, serverFault } = classify(error);
  // Unexpected failures with their stack; deliberate 5xx answers (not implemented, unavailable)
  // and storage failures by message.
  if (serverFault && error instanceof MlflowError)
    request.log.warn({ error_code: err.errorCode }, err.message);
  else if (serverFault) request.log.error({ err: error }, err.message);
  if (err.errorCode === 'TEMPORARILY_UNAVAILABLE') reply.header('Retry-After', STORAGE_FULL_RETRY_AFTER);
  // Answered before the body was read (too large, or the handler failed first): read the rest
  // within a bound so the answer is not lost to a reset, then close the connection.
  if (!request.raw.complete || err.httpStatus === 413) {
    reply.header('Connection', 'close');
    await discardRest(request.raw);
  }
  return sendError(reply, err);
}
