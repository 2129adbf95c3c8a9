/**
 * SQL persistence of registered models: the models themselves, their tags and their aliases.
 * Every write is one transaction.
 */
import { alreadyExists } from '../../../errors.js';
import type {
  RegisteredModelRecord,
  RegistryEvent,
  SearchPage,
  SearchQuery,
  TagRecord,
  NewRegisteredModel,
} from '../../registry-store.js';
import type { SqlDatabase } from '../database.js';
import { dedupeTags, modelNotFound } from './errors.js';
import { completeModels, fullModel, MODEL_COLUMNS, modelFromRow, modelRow, versionRow } from './rows.js';
import { compileSearch } from './search-sql.js';
import { emitEvent } from './outbox-sql.js';

export class RegisteredModelSql {
  constructor(private readonly db: SqlDatabase) {}

  private get q(): (n: string) => string {
    return this.db.dialect.id;
  }

  async createRegisteredModel(
    input: NewRegisteredModel,
    event?: RegistryEvent<RegisteredModelRecord>,
  ): Promise<RegisteredModelRecord> {
    const q = this.q;
    const exists = () => alreadyExists(`Registered Model (name=${input.name}) already exists.`);
    try {
      await this.db.transaction(async (tx) => {
        const found = await tx.query(`SELECT 1 AS x FROM ${q('registered_models')} WHERE ${q('name')} = ?`, [
          input.name,
        ]);
        if (found.length) throw exists();
        await tx.run(
          `INSERT INTO ${q('registered_models')} (${q('name')}, ${q('creation_time')}, ${q('last_updated_time')}, ${q('description')}, ${q('user_id')}, ${q('next_version')}) VALUES (?, ?, ?, ?, ?, 1)`,
          [input.name, input.time, input.time, input.description ?? null, input.userId ?? null],
        );
        const tags = dedupeTags(input.tags ?? []);
        if (tags.length) {
          await tx.run(
            `INSERT INTO ${q('registered_model_tags')} (${q('name')}, ${q('key')}, ${q('value')}) VALUES ${tags.map(() => '(?, ?, ?)').join(', ')}`,
            tags.flatMap((t) => [input.name, t.key, t.value]),
          );
        }
        await emitEvent(tx, this.db, input.name, event, () => fullModel(tx, q, input.name));
      });
    } catch (err) {
      if (this.db.dialect.isUniqueViolation(err)) throw exists();
      throw err;
    }
    return this.getRegisteredModel(input.name);
  }

  getRegisteredModel(name: string): Promise<RegisteredModelRecord> {
    return fullModel(this.db, this.q, name);
  }

  async renameRegisteredModel(name: string, newName: string, time: number): Promise<RegisteredModelRecord> {
    const q = this.q;
    const exists = () => alreadyExists(`Registered Model (name=${newName}) already exists.`);
    if (name === newName) return this.getRegisteredModel(name);
    try {
      await this.db.transaction(async (tx) => {
        await modelRow(tx, this.q, name);
        const taken = await tx.query(`SELECT 1 AS x FROM ${q('registered_models')} WHERE ${q('name')} = ?`, [
          newName,
        ]);
        if (taken.length) throw exists();
        // Child rows follow through ON UPDATE CASCADE.
        await tx.run(
          `UPDATE ${q('registered_models')} SET ${q('name')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`,
          [newName, time, name],
        );
      });
    } catch (err) {
      if (this.db.dialect.isUniqueViolation(err)) throw exists();
      throw err;
    }
    return this.getRegisteredModel(newName);
  }

  async updateRegisteredModel(
    name: string,
    description: string | null,
    time: number,
  ): Promise<RegisteredModelRecord> {
    const q = this.q;
    const res = await this.db.run(
      `UPDATE ${q('registered_models')} SET ${q('description')} = ?, ${q('last_updated_time')} = ? WHERE ${q('name')} = ?`,
      [description, time, name],
    );
    if (res.changes === 0) throw modelNotFound(name);
    return this.getRegisteredModel(name);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await modelRow(tx, this.q, name);
      // Children are removed explicitly (deepest first) so the result does not depend on the
      // foreign-key enforcement setting of the connection.
      for (const table of [
        'registered_model_aliases',
        'model_version_tags',
        'model_versions',
        'registered_model_tags',
        'registered_models',
      ]) {
        await tx.run(`DELETE FROM ${q(table)} WHERE ${q('name')} = ?`, [name]);
      }
    });
  }

  async searchRegisteredModels(query: SearchQuery): Promise<SearchPage<RegisteredModelRecord>> {
    const q = this.q;
    const c = compileSearch(this.db.dialect, 'registered_models', 'rm', query.filter, query.orderBy);
    const rows = await this.db.query(
      `SELECT ${MODEL_COLUMNS.map((col) => `rm.${q(col)}`).join(', ')} FROM ${q('registered_models')} rm ${c.where} ${c.orderBy} LIMIT ${query.maxResults + 1} OFFSET ${query.offset}`,
      c.params,
    );
    const hasMore = rows.length > query.maxResults;
    const models = rows.slice(0, query.maxResults).map(modelFromRow);
    await completeModels(this.db, q, models);
    return { items: models, hasMore };
  }

  async setRegisteredModelTag(name: string, tag: TagRecord, event?: RegistryEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      await modelRow(tx, this.q, name);
      await tx.run(
        this.db.dialect.upsert('registered_model_tags', ['name', 'key', 'value'], ['name', 'key']),
        [name, tag.key, tag.value],
      );
      await emitEvent(tx, this.db, name, event, async () => undefined);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string, event?: RegistryEvent): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await modelRow(tx, q, name);
      await tx.run(`DELETE FROM ${q('registered_model_tags')} WHERE ${q('name')} = ? AND ${q('key')} = ?`, [
        name,
        key,
      ]);
      await emitEvent(tx, this.db, name, event, async () => undefined);
    });
  }

  async setAlias(name: string, alias: string, version: number, event?: RegistryEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      await modelRow(tx, this.q, name);
      await versionRow(tx, this.q, name, version);
      await tx.run(
        this.db.dialect.upsert('registered_model_aliases', ['name', 'alias', 'version'], ['name', 'alias']),
        [name, alias, version],
      );
      await emitEvent(tx, this.db, name, event, async () => undefined);
    });
  }

  async deleteAlias(name: string, alias: string, event?: RegistryEvent): Promise<void> {
    const q = this.q;
    await this.db.transaction(async (tx) => {
      await modelRow(tx, q, name);
      await tx.run(
        `DELETE FROM ${q('registered_model_aliases')} WHERE ${q('name')} = ? AND ${q('alias')} = ?`,
        [name, alias],
      );
      await emitEvent(tx, this.db, name, event, async () => undefined);
    });
  }
}
