/** Shared setup of the access-control browser tests: a server with --auth, API calls as a user, sign-in. */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN,
  basic,
  call as authCall,
  startAuthServer,
  type Credential,
  type Reply,
} from '../auth/helpers.js';
import type { BackendKind } from '../helpers/backends.js';
import type { TestServer } from '../helpers/server.js';
import { ensureUiBuilt, launchBrowser, newPage } from './helpers.js';

export { ADMIN };
export const PASSWORD = 'user-password-123';

export interface AuthUi {
  server: TestServer;
  browser: Browser;
  base: string;
  /** Calls the API as `username` (password PASSWORD, or the admin's) with HTTP Basic. */
  as(username: string, method: string, path: string, payload?: Record<string, unknown>): Promise<Reply>;
  /** Like `as`, but fails unless the answer is 200. */
  ok(username: string, method: string, path: string, payload?: Record<string, unknown>): Promise<Reply>;
  stop(): Promise<void>;
}

export function credentialOf(username: string): Credential {
  return username === ADMIN.username ? basic(ADMIN.username, ADMIN.password) : basic(username, PASSWORD);
}

export async function startAuthUi(backend: BackendKind): Promise<AuthUi> {
  const server = await startAuthServer(backend, {}, { uiDir: ensureUiBuilt() });
  const browser = await launchBrowser();
  const base = server.url;
  const as = (username: string, method: string, path: string, payload?: Record<string, unknown>) =>
    authCall(base, credentialOf(username), method, path, payload);
  return {
    server,
    browser,
    base,
    as,
    async ok(username, method, path, payload) {
      const r = await as(username, method, path, payload);
      assert.equal(r.status, 200, `${method} ${path} as ${username}: ${r.text}`);
      return r;
    },
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
}

/** A fresh browser context (no cookies) signed in through the login page; lands on `path`. */
export async function signIn(ctx: AuthUi, username: string, path = '/experiments'): Promise<Page> {
  const page = await newPage(ctx.browser);
  await page.goto(`${ctx.base}${path}`);
  await page.waitForURL((u) => u.pathname === '/login');
  await fillLogin(page, username, username === ADMIN.username ? ADMIN.password : PASSWORD);
  await page.waitForURL((u) => u.pathname === path.split('?', 1)[0]);
  await page.locator('[data-testid=current-user]').waitFor();
  return page;
}

export async function fillLogin(page: Page, username: string, password: string): Promise<void> {
  await page.fill('[data-testid=login-username]', username);
  await page.fill('[data-testid=login-password]', password);
  await page.click('[data-testid=login-submit]');
}
