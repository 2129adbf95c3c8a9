/** Registry store errors and small helpers shared by its SQL modules. */
import { notFound } from '../../../errors.js';
import type { TagRecord } from '../../registry-store.js';

export const modelNotFound = (name: string) => notFound(`Registered Model with name=${name} not found`);
export const versionNotFound = (name: string, version: number | string) =>
  notFound(`Model Version (name=${name}, version=${version}) not found`);

/** True when `err` is a unique / primary-key violation of any of the three drivers. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown };
  return (
    e?.code === '23505' ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    (typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY')) ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** The last value of a repeated key wins, as when the tags are set one by one. */
export function dedupeTags(tags: TagRecord[]): TagRecord[] {
  const byKey = new Map<string, TagRecord>();
  for (const t of tags) byKey.set(t.key, t);
  return [...byKey.values()];
}
