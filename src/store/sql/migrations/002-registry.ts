import type { Migration } from '../migrations.js';

export const registrySchema: Migration = {
  version: 2,
  name: 'registry',
  up: () => [],
};
