export * from './tracking.js';
export * from './registry.js';
export * from './artifacts.js';
export * from './webhooks.js';
