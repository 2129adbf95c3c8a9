/** Registry events a webhook can subscribe to, and the JSON body every delivery carries. */
export const WEBHOOK_EVENTS = [
  'registered_model.created',
  'registered_model_tag.set',
  'registered_model_tag.deleted',
  'model_version.created',
  'model_version.stage_transitioned',
  'model_version_tag.set',
  'model_version_tag.deleted',
  'model_version_alias.created',
  'model_version_alias.deleted',
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The test call sends this event; it is not subscribable. */
export const TEST_EVENT = 'webhook.test';

export interface WebhookPayload {
  /** e.g. `model_version` */
  entity: string;
  /** e.g. `created` */
  action: string;
  /** ISO-8601 time the event happened. */
  timestamp: string;
  data: Record<string, unknown>;
}

export function isWebhookEvent(value: string): value is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value);
}

export function buildPayload(
  event: string,
  data: Record<string, unknown>,
  time = Date.now(),
): WebhookPayload {
  const dot = event.lastIndexOf('.');
  return {
    entity: event.slice(0, dot),
    action: event.slice(dot + 1),
    timestamp: new Date(time).toISOString(),
    data,
  };
}
