/**
 * What `cairn.registry` exposes: the `RegistryClient`, the module-level functions on the current
 * tracking URI, model URI helpers, webhook types and signature checks.
 *
 * @example
 * import * as cairn from 'cairn-ml';
 * const v = await cairn.registry.registerModel(`runs:/${runId}/model`, 'fraud');
 * const ok = cairn.registry.verifyWebhookSignature(secret, { signature, deliveryId, timestamp }, body);
 */
export * from './registry.js';
export * from './registry-fluent.js';
export { parseModelUri, isModelUri, type ModelUri } from '../registry/model-uri.js';
export { verifyWebhookSignature, signWebhookPayload } from '../registry/webhooks/signature.js';
export { WEBHOOK_EVENTS, type WebhookEvent, type WebhookPayload } from '../registry/webhooks/events.js';
export type { ModelVersion, ModelVersionStage, RegisteredModel } from '../entities/registry.js';
export type { Webhook, WebhookDelivery } from '../entities/webhooks.js';
