/**
 * Browser tests of the web UI with access control on: sign-in and sign-out, a 401 leading to the
 * login page and back, the CSRF header on writes, personal access tokens (secret shown once,
 * revoked), and buttons disabled with their reason for a READ user. Also: with auth off there is no
 * sign-in UI at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BACKENDS } from '../helpers/backends.js';
import { call as authCall } from '../auth/helpers.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { ensureUiBuilt, launchBrowser, newPage, screenshotViews } from './helpers.js';
import { ADMIN, PASSWORD, fillLogin, signIn, startAuthUi, type AuthUi } from './auth-fixtures.js';

const READER = 'reader';

for (const backend of BACKENDS) {
  describe(`UI: sign-in, tokens and permissions with --auth (${backend})`, () => {
    let ctx: AuthUi;
    let exp: string;
    let runId: string;

    before(async () => {
      ctx = await startAuthUi(backend);
      await ctx.ok(ADMIN.username, 'POST', 'users/create', { username: READER, password: PASSWORD });
      const r = await ctx.ok(ADMIN.username, 'POST', 'experiments/create', { name: 'shared-exp' });
      exp = String(r.json.experiment_id);
      await ctx.ok(ADMIN.username, 'POST', 'registered-models/create', { name: 'churn' });
      const run = await ctx.ok(ADMIN.username, 'POST', 'runs/create', { experiment_id: exp, run_name: 'r1' });
      runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    });

    after(() => ctx.stop());

    test('login page: a wrong password is refused, then the user signs in and out', async () => {
      const page = await newPage(ctx.browser);
      await page.goto(`${ctx.base}/experiments`);
      await page.waitForURL((u) => u.pathname === '/login');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/experiments');
      await screenshotViews(page, 'auth-login');

      await fillLogin(page, READER, 'not-the-password');
      await page.locator('[data-testid=login-error]').waitFor();
      assert.equal(new URL(page.url()).pathname, '/login');

      await fillLogin(page, READER, PASSWORD);
      await page.waitForURL((u) => u.pathname === '/experiments');
      assert.equal(await page.textContent('[data-testid=current-user]'), READER);
      assert.equal(await page.locator('[data-testid=admin-badge]').count(), 0);
      await page.locator('[data-testid=experiment-row], [data-testid=experiments-table]').first().waitFor();

      // The session cookie is HttpOnly; the CSRF cookie is readable by the page.
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === 'cairn_session');
      const csrf = cookies.find((c) => c.name === 'cairn_csrf');
      assert.ok(session?.httpOnly && session.sameSite === 'Lax', JSON.stringify(session));
      assert.ok(csrf && !csrf.httpOnly, JSON.stringify(csrf));

      await page.click('[data-testid=logout]');
      await page.waitForURL((u) => u.pathname === '/login');
      assert.equal((await page.context().cookies()).filter((c) => c.value !== '').length, 0);
      // Signed out: the experiments page sends the user to the login page again.
      await page.goto(`${ctx.base}/experiments`);
      await page.waitForURL((u) => u.pathname === '/login');
      await page.context().close();
    });

    test('a 401 leads to the login page and back to the same address afterwards', async () => {
      const page = await newPage(ctx.browser);
      const target = `/experiments/${exp}?view=charts`;
      await page.goto(`${ctx.base}${target}`);
      await page.waitForURL((u) => u.pathname === '/login');
      assert.equal(new URL(page.url()).searchParams.get('next'), target);
      await fillLogin(page, READER, PASSWORD);
      await page.waitForURL((u) => u.pathname + u.search === target);
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=experiment-title]'), 'shared-exp'),
      );

      // The session ends on the server (revoked by an admin): the next call answers 401, the UI
      // goes to the login page and returns to the model page afterwards.
      const tokens = await ctx.ok(ADMIN.username, 'GET', 'tokens/list', { username: READER });
      for (const t of (tokens.json.tokens as { token_id: string; name: string }[]).filter(
        (x) => x.name === 'web session',
      ))
        await ctx.ok(ADMIN.username, 'POST', 'tokens/revoke', { token_id: t.token_id });
      await page.click('nav a:has-text("Models")');
      await page.waitForURL((u) => u.pathname === '/login');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/models');
      await fillLogin(page, READER, PASSWORD);
      await page.waitForURL((u) => u.pathname === '/models');
      await page.locator('text=churn').first().waitFor();
      await page.context().close();
    });

    test('writes from the UI send the CSRF header; a write without it is refused', async () => {
      const page = await signIn(ctx, ADMIN.username);
      assert.equal(await page.textContent('[data-testid=current-user]'), ADMIN.username);
      await page.locator('[data-testid=admin-badge]').waitFor();
      const sent: (string | undefined)[] = [];
      page.on('request', (req) => {
        if (req.method() === 'POST' && req.url().endsWith('/experiments/create'))
          sent.push(req.headers()['x-csrf-token']);
      });
      await page.click('[data-testid=create-experiment]');
      await page.fill('.modal input', 'made-in-ui');
      await page.click('.modal button[type=submit]');
      await page.waitForURL((u) => /^\/experiments\/\d+$/.test(u.pathname));
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=experiment-title]'), 'made-in-ui'),
      );
      const csrf = (await page.context().cookies()).find((c) => c.name === 'cairn_csrf')!.value;
      assert.deepEqual(sent, [decodeURIComponent(csrf)]);
      const made = await ctx.ok(ADMIN.username, 'GET', 'experiments/get-by-name', {
        experiment_name: 'made-in-ui',
      });
      assert.ok(made.json.experiment, made.text);

      // The same session cookie without the header (what a cross-site form could send) is refused.
      const raw = await page.evaluate(async () => {
        const res = await fetch('/ajax-api/2.0/mlflow/experiments/create', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'no-csrf' }),
        });
        return { status: res.status, body: await res.text() };
      });
      assert.equal(raw.status, 403, raw.body);
      assert.match(raw.body, /CSRF/);
      const missing = await ctx.as(ADMIN.username, 'GET', 'experiments/get-by-name', {
        experiment_name: 'no-csrf',
      });
      assert.equal(missing.status, 404);
      await page.context().close();
    });

    test('tokens page: create with scope and expiry, the secret is shown once, revoke', async () => {
      const page = await signIn(ctx, READER, '/tokens');
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ctx.base });
      await page.fill('[data-testid=token-name]', 'ci-reader');
      await page.selectOption('[data-testid=token-scope]', 'read');
      await page.fill('[data-testid=token-days]', '30');
      await page.click('[data-testid=token-create]');
      const secret = (await page.textContent('[data-testid=token-secret]'))!.trim();
      assert.ok(secret.length >= 20, secret);
      await page.click('[data-testid=copy-secret]');
      await eventually(async () =>
        assert.equal(await page.textContent('[data-testid=copy-secret]'), 'Copied'),
      );
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
      await screenshotViews(page, 'auth-tokens-created');

      const row = page.locator('[data-testid=token-row][data-name=ci-reader]');
      await row.waitFor();
      assert.deepEqual(
        (await row.locator('td').allTextContents()).filter((_, i) => i === 1 || i === 4),
        ['read', 'Active'],
      );
      // The token works as a bearer credential, read-only.
      const bearer = { bearer: secret };
      assert.equal(
        (await authCall(ctx.base, bearer, 'GET', 'experiments/get', { experiment_id: exp })).status,
        200,
      );
      assert.equal(
        (await authCall(ctx.base, bearer, 'POST', 'experiments/create', { name: 'by-read-token' })).status,
        403,
      );
      const listed = await ctx.ok(READER, 'GET', 'tokens/list');
      const rec = (listed.json.tokens as { name: string; expiry_time?: number }[]).find(
        (t) => t.name === 'ci-reader',
      )!;
      const days = (rec.expiry_time! - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, String(days));

      // Shown once: after a reload the page no longer holds the secret anywhere.
      await page.reload();
      await row.waitFor();
      assert.equal(await page.locator('[data-testid=token-secret]').count(), 0);
      assert.equal((await page.content()).includes(secret), false);

      await row.locator('[data-testid=token-revoke]').click();
      await page.click('.modal button:has-text("Revoke token")');
      await eventually(async () => assert.equal(await row.getAttribute('data-state'), 'Revoked'));
      assert.equal(await row.locator('[data-testid=token-revoke]').isDisabled(), true);
      assert.equal(
        (await authCall(ctx.base, bearer, 'GET', 'experiments/get', { experiment_id: exp })).status,
        401,
      );
      await screenshotViews(page, 'auth-tokens');
      await page.context().close();
    });

    test('a READ user sees the actions they may not take disabled, with the reason', async () => {
      const page = await signIn(ctx, READER, '/models/churn');
      const rename = page.locator('[data-testid=rename-model]');
      // Disabled while the permission is asked, then with the reason.
      await eventually(async () =>
        assert.equal(await rename.getAttribute('title'), 'You have READ on this model; EDIT is needed.'),
      );
      assert.equal(await rename.isDisabled(), true);
      assert.equal(
        await page.getAttribute('[data-testid=delete-model]', 'title'),
        'You have READ on this model; MANAGE is needed.',
      );
      assert.equal(await page.locator('[data-testid=delete-model]').isDisabled(), true);
      assert.equal(await page.locator('[data-testid=permissions-tab]').count(), 0);
      // The Permissions page itself says why it shows nothing.
      await page.goto(`${ctx.base}/models/churn/permissions`);
      assert.match(
        (await page.textContent('[data-testid=permissions-denied]')) ?? '',
        /You have READ on this model; MANAGE is needed\./,
      );
      // The server agrees: the rename is refused.
      assert.equal(
        (await ctx.as(READER, 'POST', 'registered-models/rename', { name: 'churn', new_name: 'x' })).status,
        403,
      );

      // On a run of an experiment they may only read: tags and description cannot be changed.
      await page.goto(`${ctx.base}/runs/${runId}`);
      const addTag = page.locator('[data-testid=run-tags] [data-testid=add-tag]');
      const reason = 'You have READ on this experiment; EDIT is needed.';
      await eventually(async () => assert.equal(await addTag.getAttribute('title'), reason));
      assert.equal(await addTag.isDisabled(), true);
      assert.equal(
        await page.getAttribute('[data-testid=run-description] [data-testid=edit-description]', 'title'),
        reason,
      );

      // In the experiment's runs table the selected runs cannot be deleted (MANAGE is needed).
      await page.goto(`${ctx.base}/experiments/${exp}`);
      await page.locator(`[data-run-id="${runId}"] input[type=checkbox]`).check();
      const deleteSelected = page.locator('[data-testid=delete-selected]');
      await eventually(async () =>
        assert.equal(
          await deleteSelected.getAttribute('title'),
          'You have READ on this experiment; MANAGE is needed.',
        ),
      );
      assert.equal(await deleteSelected.isDisabled(), true, 'delete disabled');

      // In the experiments list the permission is asked for the row pointed at, not for every row.
      const asked: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('permissions/current')) asked.push(r.url());
      });
      await page.goto(`${ctx.base}/experiments`);
      const row = page.locator('tr', { has: page.locator(`a[href="/experiments/${exp}"]`) });
      await row.waitFor();
      assert.ok((await page.locator('[data-testid=experiment-actions]').count()) >= 2, 'several rows listed');
      assert.deepEqual(asked, [], 'no permission asked before a row is pointed at');
      await row.locator('[data-testid=experiment-actions]').hover();
      const renameExp = row.locator('[data-testid=rename-experiment]');
      await eventually(async () => assert.equal(await renameExp.getAttribute('title'), reason));
      assert.equal(await renameExp.isDisabled(), true, 'rename disabled');
      assert.equal(
        await row.locator('[data-testid=delete-experiment]').getAttribute('title'),
        'You have READ on this experiment; MANAGE is needed.',
      );
      assert.equal(
        await row.locator('[data-testid=delete-experiment]').isDisabled(),
        true,
        'delete disabled',
      );
      assert.equal(asked.length, 1, `permission requests: ${asked.join(' ')}`);
      assert.match(asked[0]!, new RegExp(`experiment_id=${exp}(&|$)`));
      await page.context().close();

      const admin = await signIn(ctx, ADMIN.username, '/models/churn');
      await admin.locator('[data-testid=permissions-tab]').waitFor();
      assert.equal(await admin.locator('[data-testid=rename-model]').isEnabled(), true);
      assert.equal(await admin.getAttribute('[data-testid=rename-model]', 'title'), null);
      await admin.goto(`${ctx.base}/experiments/${exp}`);
      await admin.locator(`[data-run-id="${runId}"] input[type=checkbox]`).check();
      await eventually(async () =>
        assert.equal(await admin.locator('[data-testid=delete-selected]').isEnabled(), true),
      );
      await admin.goto(`${ctx.base}/experiments`);
      const adminRow = admin.locator('tr', { has: admin.locator(`a[href="/experiments/${exp}"]`) });
      await adminRow.locator('[data-testid=experiment-actions]').hover();
      await eventually(async () =>
        assert.equal(
          await adminRow.locator('[data-testid=experiment-actions]').getAttribute('data-permission'),
          'MANAGE',
          'the permission arrived',
        ),
      );
      assert.equal(await adminRow.locator('[data-testid=rename-experiment]').isEnabled(), true, 'rename on');
      assert.equal(await adminRow.locator('[data-testid=delete-experiment]').isEnabled(), true, 'delete on');
      await admin.context().close();
    });
  });
}

describe('UI: with access control off there is no sign-in UI', () => {
  test('no user menu, no login redirect, pages work as before', async () => {
    const server = await startTestServer('sqlite', { uiDir: ensureUiBuilt() });
    const browser = await launchBrowser();
    try {
      const page = await newPage(browser);
      const calls: string[] = [];
      page.on('response', (res) => {
        if (res.url().includes('/ajax-api/')) calls.push(`${res.status()} ${new URL(res.url()).pathname}`);
      });
      await page.goto(`${server.url}/experiments`);
      await page.locator('[data-testid=experiment-row]').first().waitFor();
      assert.equal(new URL(page.url()).pathname, '/experiments');
      assert.ok(calls.includes('404 /ajax-api/2.0/mlflow/users/current'), calls.join('\n'));
      assert.equal(await page.locator('[data-testid=user-menu]').count(), 0);
      assert.equal(await page.locator('[data-testid=sign-in-link]').count(), 0);
      assert.equal(await page.locator('[data-testid=logout]').count(), 0);
      // A write works without any session or CSRF header.
      await page.click('[data-testid=create-experiment]');
      await page.fill('.modal input', 'no-auth-exp');
      await page.click('.modal button[type=submit]');
      await page.waitForURL((u) => /^\/experiments\/\d+$/.test(u.pathname));
      // The model page has no Permissions tab and its buttons are enabled.
      const r = await fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'open-model' }),
      });
      assert.equal(r.status, 200);
      await page.goto(`${server.url}/models/open-model`);
      await page.locator('[data-testid=model-title]').waitFor();
      assert.equal(await page.locator('[data-testid=rename-model]').isEnabled(), true);
      assert.equal(await page.locator('[data-testid=permissions-tab]').count(), 0);
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
