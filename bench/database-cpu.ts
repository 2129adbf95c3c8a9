/**
 * CPU the database server spends on one benchmark database, read from /proc (none for SQLite,
 * which runs in the server). PostgreSQL: its backends connected to that database (one process per
 * connection), so other databases' work on a shared machine does not count; its background
 * processes (WAL writer, checkpointer) are left out. MariaDB/MySQL run every connection as a
 * thread of one process: the whole process counts, other clients included. Used by
 * bench/ingest.ts (through the server) and bench/_db-write-cpu.ts (the store alone).
 */
import pg from 'pg';
import { type CpuTimes, cpuTimes, processesCpuTimes } from './machine.js';
import { PG_ADMIN_URI, type BackendKind } from '../test/helpers/backends.js';

/** CPU used so far by the database server's processes serving `uri`, by process id. */
export async function databaseCpuTimes(kind: BackendKind, uri: string): Promise<Map<string, CpuTimes>> {
  if (kind === 'sqlite') return new Map();
  if (kind === 'mysql') return processesCpuTimes(['mariadbd', 'mysqld']);
  const out = new Map<string, CpuTimes>();
  const admin = new pg.Client({ connectionString: PG_ADMIN_URI });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [new URL(uri).pathname.slice(1)],
    );
    // A backend may end between the query and the read.
    for (const r of rows)
      await cpuTimes(r.pid).then(
        (t) => out.set(String(r.pid), t),
        () => undefined,
      );
    return out;
  } finally {
    await admin.end();
  }
}
