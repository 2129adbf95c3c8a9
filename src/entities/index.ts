export * from './tracking.js';
export * from './registry.js';
