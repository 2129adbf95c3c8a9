/** Registry store errors and small helpers shared by its SQL modules. */
import { notFound } from '../../../errors.js';
import type { TagRecord } from '../../registry-store.js';

export const modelNotFound = (name: string) => notFound(`Registered Model with name=${name} not found`);
export const versionNotFound = (name: string, version: number | string) =>
  notFound(`Model Version (name=${name}, version=${version}) not found`);

/** The last value of a repeated key wins, as when the tags are set one by one. */
export function dedupeTags(tags: TagRecord[]): TagRecord[] {
  const byKey = new Map<string, TagRecord>();
  for (const t of tags) byKey.set(t.key, t);
  return [...byKey.values()];
}
