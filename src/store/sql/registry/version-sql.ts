/**
 * SQL persistence of model versions: numbering, stages, tags, search, the latest version per
 * stage and resolution of an alias. Every write is one transaction.
 */
import { invalidParam, notFound } from '../../../errors.js';
import type { ModelVersionStage } from '../../../entities/registry.js';
import type {
  ModelVersionRecord,
  RegistryEvent,
  NewModelVersion,
  SearchPage,
  SearchQuery,
  TagRecord,
} from '../../registry-store.js';
import type { SqlDatabase } from '../database.js';
import { dedupeTags, modelNotFound, versionNotFound } from './errors.js';
import {
  completeVersions,
  fullVersion,
  latestPerStage,
  modelRow,
  touchModel,
  VERSION_COLUMNS,
  versionFromRow,
  versionRow,
} from './rows.js';
import { compileSearch } from './search-sql.js';
import { emitEvent } from './outbox-sql.js';

export class ModelVersionSql {
  constructor(private readonly db: SqlDatabase) {}

  private get q(): (n: string) => string {
    return this.db.dialect.id;
  }

  async createModelVersion(
    input: NewModelVersion,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord> {
    const q = this.q;
    const version = await this.db.transaction(async (tx) => {
      // The UPDATE takes the model's row lock (PostgreSQL, MySQL) or the write lock (SQLite), so
      // concurrent creators are serialized on the counter and each gets a distinct number.
      const bumped = await tx.run(
        `UPDATE ${q('registered_models')} SET ${q('next_version')} = ${q('next_version')} + 1, ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`,
        [input.time, input.name],
      );
      if (bumped.changes === 0) throw modelNotFound(input.name);
      const rows = await tx.query(
        `SELECT ${q('next_version')} FROM ${q('registered_models')} WHERE ${q('name')} = ?`,
        [input.name],
      );
      const v = Number(rows[0]?.next_version) - 1;
      if (!Number.isInteger(v) || v < 1)
        throw invalidParam(`Could not allocate a version for model '${input.name}'.`);
      await tx.run(
        `INSERT INTO ${q('model_versions')} (${VERSION_COLUMNS.map(q).join(', ')}) VALUES (${VERSION_COLUMNS.map(() => '?').join(', ')})`,
        [
          input.name,
          v,
          input.time,
          input.time,
          input.description ?? null,
          input.userId ?? null,
          'None',
          input.source,
          input.storageLocation ?? null,
          input.runId ?? null,
          input.runLink ?? null,
          input.modelId ?? null,
          'READY',
          null,
        ],
      );
      const tags = dedupeTags(input.tags ?? []);
      if (tags.length) {
        await tx.run(
          `INSERT INTO ${q('model_version_tags')} (${q('name')}, ${q('version')}, ${q('key')}, ${q('value')}) VALUES ${tags.map(() => '(?, ?, ?, ?)').join(', ')}`,
          tags.flatMap((t) => [input.name, v, t.key, t.value]),
        );
      }
      await emitEvent(tx, this.db, input.name, event, () => fullVersion(tx, q, input.name, v));
      return v;
    });
    return this.getModelVersion(input.name, version);
  }

  getModelVersion(name: string, version: number): Promise<ModelVersionRecord> {
    return fullVersion(this.db, this.q, name, version);
  }

  async updateModelVersion(
    name: string,
    version: number,
    description: string | null,
    time: number,
  ): Promise<ModelVersionRecord> {
    const q = this.q;
    const res = await this.db.run(
      `UPDATE ${q('model_versions')} SET ${q('description')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ? AND ${q('version')} = ?`,
      [description, time, name, version],
    );
    if (res.changes === 0) throw versionNotFound(name, version);
    return this.getModelVersion(name, version);
  }

  async deleteModelVersion(name: string, version: number, time: number): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await versionRow(tx, this.q, name, version);
      const where = `WHERE ${q('name')} = ? AND ${q('version')} = ?`;
      await tx.run(`DELETE FROM ${q('registered_model_aliases')} ${where}`, [name, version]);
      await tx.run(`DELETE FROM ${q('model_version_tags')} ${where}`, [name, version]);
      await tx.run(`DELETE FROM ${q('model_versions')} ${where}`, [name, version]);
      await touchModel(tx, this.q, name, time);
    });
  }

  async transitionStage(
    name: string,
    version: number,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    time: number,
    event?: RegistryEvent<ModelVersionRecord>,
  ): Promise<ModelVersionRecord> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await versionRow(tx, this.q, name, version);
      if (archiveExisting) {
        await tx.run(
          `UPDATE ${q('model_versions')} SET ${q('current_stage')} = 'Archived', ${q('last_updated_time')} = ? WHERE ${q('name')} = ? AND ${q('current_stage')} = ? AND ${q('version')} <> ?`,
          [time, name, stage, version],
        );
      }
      await tx.run(
        `UPDATE ${q('model_versions')} SET ${q('current_stage')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ? AND ${q('version')} = ?`,
        [stage, time, name, version],
      );
      await touchModel(tx, this.q, name, time);
      await emitEvent(tx, this.db, name, event, () => fullVersion(tx, q, name, version));
    });
    return this.getModelVersion(name, version);
  }

  async searchModelVersions(query: SearchQuery): Promise<SearchPage<ModelVersionRecord>> {
    const q = this.q;
    const c = compileSearch(this.db.dialect, 'model_versions', 'mv', query.filter, query.orderBy);
    const rows = await this.db.query(
      `SELECT ${VERSION_COLUMNS.map((col) => `mv.${q(col)}`).join(', ')} FROM ${q('model_versions')} mv ${c.where} ${c.orderBy} LIMIT ${query.maxResults + 1} OFFSET ${query.offset}`,
      c.params,
    );
    const hasMore = rows.length > query.maxResults;
    const versions = rows.slice(0, query.maxResults).map(versionFromRow);
    await completeVersions(this.db, q, versions);
    return { items: versions, hasMore };
  }

  async setModelVersionTag(
    name: string,
    version: number,
    tag: TagRecord,
    event?: RegistryEvent,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await versionRow(tx, this.q, name, version);
      await tx.run(
        this.db.dialect.upsert(
          'model_version_tags',
          ['name', 'version', 'key', 'value'],
          ['name', 'version', 'key'],
        ),
        [name, version, tag.key, tag.value],
      );
      await emitEvent(tx, this.db, name, event, async () => undefined);
    });
  }

  async deleteModelVersionTag(
    name: string,
    version: number,
    key: string,
    event?: RegistryEvent,
  ): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await versionRow(tx, q, name, version);
      await tx.run(
        `DELETE FROM ${q('model_version_tags')} WHERE ${q('name')} = ? AND ${q('version')} = ? AND ${q('key')} = ?`,
        [name, version, key],
      );
      await emitEvent(tx, this.db, name, event, async () => undefined);
    });
  }

  async getLatestVersions(name: string, stages: ModelVersionStage[]): Promise<ModelVersionRecord[]> {
    const q = this.q;
    await modelRow(this.db, this.q, name);
    const rows = await this.db.query(
      `SELECT ${VERSION_COLUMNS.map(q).join(', ')} FROM ${q('model_versions')} WHERE ${q('name')} = ?`,
      [name],
    );
    const latest = latestPerStage(rows.map(versionFromRow));
    const wanted = stages.length ? latest.filter((v) => stages.includes(v.stage)) : latest;
    return completeVersions(this.db, q, wanted);
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersionRecord> {
    const q = this.q;
    await modelRow(this.db, this.q, name);
    const rows = await this.db.query(
      `SELECT ${q('version')} FROM ${q('registered_model_aliases')} WHERE ${q('name')} = ? AND ${q('alias')} = ?`,
      [name, alias],
    );
    if (!rows[0]) throw notFound(`Registered model alias ${alias} not found for model '${name}'.`);
    return fullVersion(this.db, this.q, name, Number(rows[0].version));
  }
}
