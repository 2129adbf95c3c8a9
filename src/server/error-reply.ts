/**
 * The server's one error handler: every failure answers `{error_code, message}` with the status of
 * its code. A user mistake is a 4xx; a full disk is a retryable 503; a client that went away gets
 * no answer and no error log; anything unexpected is a 500 whose details go to the log (with the
 * request id), never into the answer.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MlflowError, httpErrorOf } from '../errors.js';
import { discardRest, isClientAbort } from '../security/request-body.js';

/** Seconds a client is asked to wait before retrying after the storage was full. */
const STORAGE_FULL_RETRY_AFTER = 60;

export function sendError(reply: FastifyReply, err: MlflowError, status = err.httpStatus): FastifyReply {
  return reply.code(status).type('application/json').send(err.toJSON());
}

/**
 * The answer to a failure: the one mapping of src/errors.ts, plus a full disk, which is a
 * retryable 503 rather than an internal error.
 */
function classify(error: FastifyError): { err: MlflowError; status: number; serverFault: boolean } {
  const errno = (error as { code?: string }).code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    const err = new MlflowError(
      'The artifact storage is full; nothing was changed. Retry once space has been freed.',
      'TEMPORARILY_UNAVAILABLE',
    );
    return { err, status: err.httpStatus, serverFault: true };
  }
  const answer = httpErrorOf(error);
  return { err: answer.error, status: answer.status, serverFault: answer.status >= 500 };
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
  const { err, status, serverFault } = classify(error);
  // Unexpected failures with their stack; deliberate 5xx answers (not implemented, unavailable)
  // and storage failures by message.
  if (serverFault && error instanceof MlflowError)
    request.log.warn({ error_code: err.errorCode }, err.message);
  else if (serverFault) request.log.error({ err: error }, err.message);
  if (err.errorCode === 'TEMPORARILY_UNAVAILABLE') reply.header('Retry-After', STORAGE_FULL_RETRY_AFTER);
  // Answered before the body was read (too large, or the handler failed first): read the rest
  // within a bound so the answer is not lost to a reset, then close the connection.
  if (!request.raw.complete || status === 413) {
    reply.header('Connection', 'close');
    await discardRest(request.raw);
  }
  return sendError(reply, err, status);
}
