/** The error model: codes, statuses, and how an HTTP error answer becomes an error. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MlflowError,
  describeErrorAnswer,
  httpErrorOf,
  httpStatusOf,
  invalidParam,
  isErrorCode,
} from '../src/errors.js';
import { HttpError, errorFromResponse } from '../src/client/http.js';

describe('error codes', () => {
  it('knows only its own codes, not the names of Object.prototype', () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) {
      assert.equal(isErrorCode(name), false, name);
      assert.equal(httpStatusOf(name), 500, name);
    }
    assert.equal(isErrorCode('RESOURCE_DOES_NOT_EXIST'), true);
    assert.equal(httpStatusOf('RESOURCE_DOES_NOT_EXIST'), 404);
  });

  it('turns an answer naming a prototype property into an error with a numeric status', () => {
    const err = errorFromResponse(400, JSON.stringify({ error_code: 'toString', message: 'odd' }));
    assert.equal(err.errorCode, 'BAD_REQUEST');
    assert.equal(typeof err.httpStatus, 'number');
    assert.equal(err.message, 'odd');
  });

  it('calls the client error HttpError, still an MlflowError', () => {
    const err = errorFromResponse(
      409,
      JSON.stringify({ error_code: 'RESOURCE_ALREADY_EXISTS', message: 'x' }),
    );
    assert.ok(err instanceof HttpError && err instanceof MlflowError);
    assert.equal(err.name, 'HttpError');
    assert.equal(err.status, 409);
  });

  it('maps a 404 without an MLflow body to one code in the SDK and the artifact client', () => {
    assert.equal(errorFromResponse(404, '<html>Not Found</html>').errorCode, 'RESOURCE_DOES_NOT_EXIST');
    assert.equal(describeErrorAnswer(404, '').code, 'RESOURCE_DOES_NOT_EXIST');
    assert.deepEqual(describeErrorAnswer(503, 'busy'), { code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
    assert.deepEqual(describeErrorAnswer(502, ''), { code: 'INTERNAL_ERROR', message: 'HTTP 502' });
  });
});

describe('httpErrorOf', () => {
  it('keeps MlflowErrors, blames the client for framework 4xx and hides internal failures', () => {
    const known = httpErrorOf(invalidParam('bad'));
    assert.deepEqual(
      [known.status, known.error.errorCode, known.internal],
      [400, 'INVALID_PARAMETER_VALUE', undefined],
    );
    const tooLarge = httpErrorOf(Object.assign(new Error('Request body is too large'), { statusCode: 413 }));
    assert.deepEqual([tooLarge.status, tooLarge.error.errorCode], [413, 'RESOURCE_EXHAUSTED']);
    const bug = new TypeError('x is undefined');
    const internal = httpErrorOf(bug);
    assert.deepEqual(
      [internal.status, internal.error.errorCode, internal.error.message, internal.internal],
      [500, 'INTERNAL_ERROR', 'Internal server error.', bug],
    );
  });
});
