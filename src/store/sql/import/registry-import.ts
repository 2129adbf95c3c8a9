/** Registry part of the SQL import store: a registered model with its versions, tags and aliases. */
import type { RegisteredModelData } from '../../../entities/migration.js';
import type { SqlDatabase } from '../database.js';
import { MODEL_COLUMNS, VERSION_COLUMNS } from '../registry/rows.js';

export async function insertRegisteredModel(
  db: SqlDatabase,
  m: RegisteredModelData,
  createModel: boolean,
): Promise<void> {
  const d = db.dialect;
  const q = d.id;
  await db.transaction(async (tx) => {
    if (createModel) {
      await tx.run(
        `INSERT INTO ${q('registered_models')} (${MODEL_COLUMNS.map(q).join(', ')}) VALUES (?, ?, ?, ?, ?)`,
        [m.name, m.creationTime, m.lastUpdatedTime, m.description, m.userId],
      );
      for (const t of m.tags) {
        await tx.run(d.insertIgnore('registered_model_tags', ['name', 'key', 'value'], ['name', 'key']), [
          m.name,
          t.key,
          t.value,
        ]);
      }
    }
    for (const v of m.versions) {
      await tx.run(
        `INSERT INTO ${q('model_versions')} (${VERSION_COLUMNS.map(q).join(', ')}) VALUES (${VERSION_COLUMNS.map(() => '?').join(', ')})`,
        [
          m.name,
          v.version,
          v.creationTime,
          v.lastUpdatedTime,
          v.description,
          v.userId,
          v.stage,
          v.source,
          v.storageLocation,
          v.runId,
          v.runLink,
          v.modelId,
          v.status,
          v.statusMessage,
        ],
      );
      for (const t of v.tags) {
        await tx.run(
          d.insertIgnore(
            'model_version_tags',
            ['name', 'version', 'key', 'value'],
            ['name', 'version', 'key'],
          ),
          [m.name, v.version, t.key, t.value],
        );
      }
    }
    // Version numbers continue after the highest one ever imported, never reusing a number.
    const highest = Math.max(0, ...m.versions.map((v) => v.version));
    await tx.run(
      `UPDATE ${q('registered_models')} SET ${q('next_version')} = ? WHERE ${q('name')} = ? AND ${q('next_version')} <= ?`,
      [highest + 1, m.name, highest],
    );
    for (const a of m.aliases) {
      const exists = await tx.query(
        `SELECT 1 AS x FROM ${q('model_versions')} WHERE ${q('name')} = ? AND ${q('version')} = ?`,
        [m.name, a.version],
      );
      if (!exists.length) continue;
      await tx.run(
        d.insertIgnore('registered_model_aliases', ['name', 'alias', 'version'], ['name', 'alias']),
        [m.name, a.alias, a.version],
      );
    }
  });
}
