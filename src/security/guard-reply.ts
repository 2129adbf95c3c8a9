import type { FastifyReply } from 'fastify';
import type { MlflowError } from '../errors.js';

/** Answers a refusal of the network guard with the usual `{error_code, message}` body. */
export function sendGuardError(reply: FastifyReply, err: MlflowError): FastifyReply {
  return reply.code(err.httpStatus).type('application/json').send(err.toJSON());
}
