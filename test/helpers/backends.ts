/**
 * The databases the store and API suites run against. CAIRN_TEST_BACKENDS narrows the list
 * (e.g. `sqlite` for a quick local run); CI runs all three.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';

const KNOWN = ['sqlite', 'postgresql', 'mysql'] as const;
export type BackendKind = (typeof KNOWN)[number];

/**
 * Parses a comma-separated backend list. A typo or an empty list throws: silently running fewer
 * (or other) databases than asked for would make a green run claim what it did not test.
 */
export function parseBackends(raw: string): BackendKind[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(KNOWN as readonly string[]).includes(n));
  if (unknown.length) {
    throw new Error(
      `CAIRN_TEST_BACKENDS: unknown backend ${unknown.map((n) => `'${n}'`).join(', ')}; use a comma-separated list of ${KNOWN.join(', ')}`,
    );
  }
  if (!names.length)
    throw new Error(`CAIRN_TEST_BACKENDS is empty; use a comma-separated list of ${KNOWN.join(', ')}`);
  return [...new Set(names as BackendKind[])];
}

export const BACKENDS: BackendKind[] = parseBackends(process.env.CAIRN_TEST_BACKENDS ?? KNOWN.join(','));

export const PG_ADMIN_URI = process.env.CAIRN_TEST_PG_URI ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

export interface TestDatabase {
  uri: string;
  drop(): Promise<void>;
}

/** Creates an empty database of the given kind; `drop()` removes it. */
export async function createTestDatabase(kind: BackendKind, tmpDir: string): Promise<TestDatabase> {
  const name = `cairn_test_${randomBytes(6).toString('hex')}`;
  if (kind === 'sqlite') {
    return { uri: `sqlite:///${join(tmpDir, `${name}.db`)}`, drop: async () => {} };
  }
  if (kind === 'postgresql') {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URI });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const base = new URL(PG_ADMIN_URI);
    base.pathname = `/${name}`;
    return {
      uri: base.toString(),
      drop: async () => {
        const c = new pg.Client({ connectionString: PG_ADMIN_URI });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const admin = await mysql.createConnection(MYSQL_ADMIN);
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  return {
    uri: `mysql://root@127.0.0.1:3306/${name}`,
    drop: async () => {
      const c = await mysql.createConnection(MYSQL_ADMIN);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}
