/**
 * The two in-process servers of a UI before/after pair (bench/_ui-*-pair.ts): one SQLite file in
 * `tmp`, served with built UI A and built UI B. PAIR_SERVER_A=<checkout> serves A with that
 * checkout's server code (e.g. an older clone: before and after a server change too).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer, type RunningServer } from '../src/server/server.js';
import { defaultServerConfig } from '../src/config/server-config.js';

export async function startPairServers(
  tmp: string,
  dirA: string,
  dirB: string,
): Promise<{ a: RunningServer; b: RunningServer }> {
  const config = (uiDir: string) =>
    defaultServerConfig({
      port: 0,
      backendStoreUri: `sqlite:///${join(tmp, 'bench.db')}`,
      artifactsDestination: join(tmp, 'artifacts'),
      uiDir: resolve(uiDir),
      log: { level: 'warn', format: 'json' },
    });
  const serverA = process.env.PAIR_SERVER_A
    ? ((await import(
        pathToFileURL(join(resolve(process.env.PAIR_SERVER_A), 'src/server/server.ts')).href
      )) as {
        startServer: typeof startServer;
      })
    : { startServer };
  const a = await serverA.startServer(config(dirA));
  const b = await startServer(config(dirB));
  return { a, b };
}
