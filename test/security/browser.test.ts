/**
 * Issue 11 items 4 and 5 in a real browser (Chromium): the web UI works under the Content Security
 * Policy without a single violation; a page served from another origin cannot overwrite a run's
 * `MLmodel` with an `enctype=text/plain` form post; and a foreign name resolved to 127.0.0.1 (DNS
 * rebinding) cannot read the API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { CHROMIUM, ensureUiBuilt, newPage, uploadArtifact } from '../ui/helpers.js';

describe('in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;
  let runId: string;
  let mlmodelPath: string;
  before(async () => {
    server = await startTestServer('sqlite', { uiDir: ensureUiBuilt() });
    const exp = (await api(server.url, 'POST', 'experiments/create', { name: 'browser' })).json
      .experiment_id as string;
    const run = (await api(server.url, 'POST', 'runs/create', { experiment_id: exp, run_name: 'victim' }))
      .json.run as { info: { run_id: string } };
    runId = run.info.run_id;
    await uploadArtifact(server.url, runId, 'model/MLmodel', 'flavors: {}\n');
    mlmodelPath = join(server.tmpDir, 'artifacts', exp, runId, 'artifacts', 'model', 'MLmodel');
    // The attacker's page: a form that posts text/plain to the upload route on load.
    const target = `${server.url}/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=model%2FMLmodel`;
    attacker = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><form id="f" method="POST" enctype="text/plain" action="${target}">
        <input name="flavors: {evil" value="1}"></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    const address = attacker.address() as { port: number };
    attackerUrl = `http://127.0.0.1:${address.port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP rebind.example 127.0.0.1'],
    });
  });
  after(async () => {
    await browser?.close();
    attacker?.close();
    await server?.stop();
  });

  it('renders the UI with no Content Security Policy violation', async () => {
    const page = await newPage(browser);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => " +
        "console.error('Refused to load: CSP ' + e.violatedDirective + ' ' + e.blockedURI));",
    });
    await page.goto(`${server.url}/experiments`);
    await page.getByText('browser').first().waitFor();
    await page.goto(`${server.url}/runs/${runId}?tab=artifacts&path=model/MLmodel`);
    await page.getByText('victim').first().waitFor();
    await page.getByText('flavors').first().waitFor();
    assert.deepEqual(violations, []);
    await page.context().close();
  });

  it('a cross-site text/plain form post does not overwrite MLmodel', async () => {
    const page = await newPage(browser);
    const answered = page.waitForResponse((r) => r.url().includes('upload-artifact'));
    await page.goto(attackerUrl);
    assert.equal((await answered).status(), 403);
    assert.equal(await readFile(mlmodelPath, 'utf8'), 'flavors: {}\n');
    await page.context().close();
  });

  it('a page on a rebound name gets 403 and no data', async () => {
    const page = await newPage(browser);
    const port = new URL(server.url).port;
    const res = await page.goto(
      `http://rebind.example:${port}/api/2.0/mlflow/experiments/search?max_results=10`,
    );
    assert.equal(res?.status(), 403);
    assert.doesNotMatch(await page.content(), /"experiments"/);
    await page.context().close();
  });
});
