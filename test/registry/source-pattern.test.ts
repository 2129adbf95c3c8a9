/** The server's model-version source pattern comes from its configuration, compiled once. */
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fails, ok } from './helpers.js';

describe('model version source pattern', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite', { modelVersionSourcePattern: '^s3://models/' });
  });
  after(async () => s?.stop());

  it('accepts matching sources and refuses the others with a 400 naming the pattern', async () => {
    await ok(s.url, 'POST', 'registered-models/create', { name: 'gated' });
    await ok(s.url, 'POST', 'model-versions/create', { name: 'gated', source: 's3://models/gated/1' });
    await fails(
      s.url,
      'POST',
      'model-versions/create',
      { name: 'gated', source: 's3://elsewhere/x' },
      400,
      'INVALID_PARAMETER_VALUE',
      /does not match the pattern required by this server \(\^s3:\/\/models\/\)/,
    );
  });
});
