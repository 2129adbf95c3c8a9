import type { Migration } from '../migrations.js';

export const trackingSchema: Migration = {
  version: 1,
  name: 'tracking',
  up: () => [],
};
