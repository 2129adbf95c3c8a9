/** Picks the reader for `cairn import --from`: a server URL, an MLflow database, a Cairn export or an MLflow file store. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidParam } from '../errors.js';
import { MANIFEST } from './dump-format.js';
import { DumpSource } from './dump-source.js';
import type { MigrationSource } from './source.js';

export interface SourceOptions {
  /** MLflow's artifact root for database sources (a local folder or s3://...). */
  artifactsFrom?: string;
}

export async function openSource(from: string, opts: SourceOptions = {}): Promise<MigrationSource> {
  const scheme = /^([a-z][\w+.-]*):/i.exec(from)?.[1]?.toLowerCase().split('+', 1)[0];
  if (scheme === 'http' || scheme === 'https') {
    const { HttpSource } = await import('./http-source.js');
    return HttpSource.open(from);
  }
  if (
    scheme === 'sqlite' ||
    scheme === 'postgresql' ||
    scheme === 'postgres' ||
    scheme === 'mysql' ||
    scheme === 'mariadb'
  ) {
    const { MlflowSqlSource } = await import('./mlflow-sql-source.js');
    return MlflowSqlSource.open(from, opts.artifactsFrom);
  }
  const dir = scheme === 'file' ? new URL(from).pathname : from;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw invalidParam(
      `--from ${from}: expected http(s)://server, sqlite:///mlflow.db, postgresql://..., mysql://..., an MLflow file store folder (mlruns) or a Cairn export folder.`,
    );
  }
  if (existsSync(join(dir, MANIFEST))) return DumpSource.open(dir);
  const { MlflowFileSource } = await import('./mlflow-file-source.js');
  return MlflowFileSource.open(dir);
}
