/**
 * The checks behind `/ready`: every database answers, its schema is at the version this build
 * expects (an instance of an older build during a rolling upgrade reports not ready rather than
 * serving a schema it does not know), and the artifact store answers a listing.
 */
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { SqlDatabase } from '../store/sql/database.js';
import { currentSchemaVersion } from '../store/sql/migrations.js';
import { MIGRATIONS } from '../store/sql/migrations/index.js';
import type { ServerConfig } from '../config/server-config.js';
import type { ReadinessCheck } from './context.js';

/** A check slower than this counts as failed (a load balancer must not hang on /ready). */
export const READY_CHECK_TIMEOUT_MS = 3000;

async function check(name: string, fn: () => Promise<string | undefined>): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${READY_CHECK_TIMEOUT_MS} ms`)),
      READY_CHECK_TIMEOUT_MS,
    );
  });
  try {
    const detail = await Promise.race([fn(), timeout]);
    return detail === undefined ? { name, ok: true } : { name, ok: false, detail };
  } catch (err) {
    // The message of a driver error may name hosts, never credentials; keep only its first line.
    return { name, ok: false, detail: String((err as Error).message ?? err).split('\n', 1)[0] };
  } finally {
    clearTimeout(timer);
  }
}

export function readinessChecks(
  config: ServerConfig,
  databases: { name: string; db: SqlDatabase }[],
  artifacts: ArtifactService,
): () => Promise<ReadinessCheck[]> {
  const expected = Math.max(...MIGRATIONS.map((m) => m.version));
  return () =>
    Promise.all([
      ...databases.flatMap(({ name, db }) => [
        check(`${name}-database`, async () => {
          await db.query('SELECT 1 AS ok');
          return undefined;
        }),
        check(`${name}-schema`, async () => {
          const v = await currentSchemaVersion(db);
          return v >= expected ? undefined : `schema version ${v}, this server needs ${expected}`;
        }),
      ]),
      ...(config.serveArtifacts
        ? [
            check('artifact-store', async () => {
              await artifacts.destination.list('');
              return undefined;
            }),
          ]
        : []),
    ]);
}
