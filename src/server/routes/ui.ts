/**
 * Serves the built web UI (`ui/dist`) at `/`. Hashed files under `assets/` are cached forever (by
 * browsers, and in this process' memory once read, compressed: ui-asset-cache.ts); any other GET
 * that is not an API route answers `index.html`, so deep links work on reload.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { UiAssetCache } from './ui-asset-cache.js';
import { acceptedEncodings, varyOnEncoding } from '../http-compression.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** Paths owned by the API and artifact routes: an unknown one there is a 404, never the UI. */
const NON_UI_PREFIXES = [
  '/api/',
  '/ajax-api/',
  '/get-artifact',
  '/model-versions/',
  '/health',
  '/version',
  '/metrics',
];

/**
 * The package's `ui/dist`: this module lives at `src/server/routes/` (run via tsx) or at
 * `dist/src/server/routes/` (compiled), so the package root is three or four levels up.
 */
export function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../../ui/dist'), resolve(here, '../../../../ui/dist')];
  return candidates.find((c) => existsSync(join(c, 'index.html'))) ?? candidates[0]!;
}

const NOT_BUILT_PAGE = (dir: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cairn</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:640px;margin:10vh auto;padding:0 20px;color:#1d2521}
code{background:#eef2f0;padding:2px 6px;border-radius:4px}</style></head>
<body><h1>Cairn server is running</h1>
<p>The web UI has not been built, so there is nothing to show at <code>/</code> yet.
The REST API is available under <code>/api/2.0/mlflow/</code>.</p>
<p>Build the UI from the package folder with <code>npm run build:ui</code>, then reload this page.</p>
<p>Looked for it in <code>${escapeHtml(dir)}</code>.</p></body></html>`;

function isNonUiPath(path: string): boolean {
  return NON_UI_PREFIXES.some((p) => {
    const bare = p.replace(/\/$/, '');
    return path === bare || path.startsWith(`${bare}/`);
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function registerUiRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const root = resolve(ctx.config.uiDir ?? defaultUiDir());
  const indexPath = join(root, 'index.html');
  // index.html is small and changes only on rebuild: read on demand so a rebuild needs no restart.
  const serveIndex = async (reply: FastifyReply): Promise<FastifyReply> => {
    let html: Buffer;
    try {
      html = await readFile(indexPath);
    } catch {
      return reply
        .code(200)
        .type('text/html; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .send(NOT_BUILT_PAGE(root));
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .send(html);
  };

  const assets = new UiAssetCache();
  const sendFile = (reply: FastifyReply, file: string, hashed: boolean, body: Buffer): FastifyReply =>
    reply
      .type(CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream')
      .header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
      .header('X-Content-Type-Options', 'nosniff')
      .send(body);

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const rawPath = request.url.split('?', 1)[0]!;
    if (isNonUiPath(rawPath)) {
      reply.callNotFound();
      return reply;
    }
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return serveIndex(reply);
    }
    if (path === '/' || path === '/index.html') return serveIndex(reply);
    const file = resolve(root, `.${path}`);
    // Never serve outside the UI folder, whatever the path says.
    if (file !== root && !file.startsWith(root + sep)) return serveIndex(reply);
    if (path.startsWith('/assets/')) {
      const asset = await assets.get(file, acceptedEncodings(request.headers['accept-encoding']));
      // A missing hashed asset is a real 404 (a stale page after a rebuild), not the app shell.
      if (!asset) {
        reply.callNotFound();
        return reply;
      }
      varyOnEncoding(reply);
      if (asset.encoding) reply.header('Content-Encoding', asset.encoding);
      return sendFile(reply, file, true, asset.body);
    }
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) return sendFile(reply, file, false, await readFile(file));
    return serveIndex(reply);
  };

  app.get('/', handler);
  app.get('/*', handler);
}
