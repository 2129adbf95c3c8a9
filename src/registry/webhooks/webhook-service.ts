/** Webhook registration (create, list, get, update, delete, test) and the delivery log. */
import { randomBytes } from 'node:crypto';
import { invalidParam } from '../../errors.js';
import type {
  Webhook as WireWebhook,
  WebhookDelivery as WireDelivery,
  WebhookStatus,
} from '../../entities/webhooks.js';
import type { DeliveryRecord, RegistryStore, WebhookRecord } from '../../store/registry-store.js';
import type { SecretBox } from '../../security/secret-box.js';
import { SECRET_KEY_ENV } from '../../security/secret-key.js';
import type { AttemptResult, WebhookDispatcher } from './dispatcher.js';
import { isWebhookEvent, WEBHOOK_EVENTS } from './events.js';

export interface WebhookInput {
  name?: string;
  url?: string;
  events?: string[];
  modelName?: string | null;
  description?: string | null;
  secret?: string | null;
  status?: string;
}

export function toWireWebhook(w: WebhookRecord): WireWebhook {
  const out: WireWebhook = {
    webhook_id: w.webhookId,
    name: w.name,
    url: w.url,
    events: w.events,
    status: w.status,
    has_secret: Boolean(w.secret),
    creation_timestamp: w.creationTime,
    last_updated_timestamp: w.lastUpdatedTime,
  };
  if (w.modelName) out.model_name = w.modelName;
  if (w.description) out.description = w.description;
  return out;
}

export function toWireDelivery(d: DeliveryRecord): WireDelivery {
  let payload: unknown = d.payload;
  try {
    payload = JSON.parse(d.payload);
  } catch {
    // Stored as sent; show it raw.
  }
  const out: WireDelivery = {
    delivery_id: d.deliveryId,
    webhook_id: d.webhookId,
    event: d.event,
    payload,
    status: d.status,
    attempts: d.attempts,
    creation_timestamp: d.creationTime,
  };
  if (d.modelName) out.model_name = d.modelName;
  if (d.responseStatus !== null) out.response_status = d.responseStatus;
  if (d.error) out.error = d.error;
  if (d.lastAttemptTime !== null) out.last_attempt_timestamp = d.lastAttemptTime;
  return out;
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParam(`Invalid webhook url '${url}': expected an absolute http:// or https:// URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalidParam(`Invalid webhook url '${url}': only http:// and https:// are supported.`);
  }
  return url;
}

function checkEvents(events: string[]): string[] {
  if (events.length === 0) throw invalidParam(`A webhook needs at least one event in 'events'.`);
  for (const e of events) {
    if (!isWebhookEvent(e)) {
      throw invalidParam(`Unknown webhook event '${e}'. Valid events are: ${WEBHOOK_EVENTS.join(', ')}.`);
    }
  }
  return [...new Set(events)];
}

function checkStatus(status: string): WebhookStatus {
  const s = status.toUpperCase();
  if (s !== 'ACTIVE' && s !== 'DISABLED') {
    throw invalidParam(`Invalid webhook status '${status}': expected ACTIVE or DISABLED.`);
  }
  return s;
}

export class WebhookService {
  constructor(
    private readonly store: RegistryStore,
    private readonly dispatcher: WebhookDispatcher,
    /** Encrypts secrets at rest; null when the server has no key (secrets are then refused). */
    private readonly secrets: SecretBox | null = null,
  ) {}

  private seal(secret: string | null | undefined): string | null | undefined {
    if (!secret) return secret === undefined ? undefined : null;
    if (!this.secrets) {
      throw invalidParam(
        `This server has no key to encrypt webhook secrets: set ${SECRET_KEY_ENV} on every server instance (see docs/security.md).`,
      );
    }
    return this.secrets.seal(secret);
  }

  /**
   * Encrypts stored secrets that are plain text (written before encryption existed) or sealed
   * with a previous key, so a rotation completes at start-up. Throws when secrets are stored but
   * no key is configured. Returns how many were re-sealed.
   */
  async sealStoredSecrets(): Promise<number> {
    let resealed = 0;
    for (const hook of await this.store.listWebhooks()) {
      if (!hook.secret) continue;
      if (!this.secrets) {
        throw new Error(
          `webhooks with secrets are stored but no ${SECRET_KEY_ENV} is set; set it to the key these secrets were encrypted with.`,
        );
      }
      if (!this.secrets.needsResealing(hook.secret)) continue;
      await this.store.updateWebhook(hook.webhookId, {
        secret: this.secrets.seal(this.secrets.reveal(hook.secret)),
        time: hook.lastUpdatedTime,
      });
      resealed++;
    }
    return resealed;
  }

  async create(input: WebhookInput): Promise<WireWebhook> {
    if (!input.name) throw invalidParam(`Missing value for required parameter 'name'.`);
    if (!input.url) throw invalidParam(`Missing value for required parameter 'url'.`);
    if (!input.events) throw invalidParam(`Missing value for required parameter 'events'.`);
    const now = Date.now();
    const record = await this.store.createWebhook({
      webhookId: randomBytes(16).toString('hex'),
      name: input.name,
      url: checkUrl(input.url),
      events: checkEvents(input.events),
      modelName: input.modelName || null,
      description: input.description ?? null,
      secret: this.seal(input.secret) ?? null,
      status: input.status ? checkStatus(input.status) : 'ACTIVE',
      creationTime: now,
      lastUpdatedTime: now,
    });
    return toWireWebhook(record);
  }

  async list(): Promise<WireWebhook[]> {
    return (await this.store.listWebhooks()).map(toWireWebhook);
  }

  async get(webhookId: string): Promise<WireWebhook> {
    return toWireWebhook(await this.store.getWebhook(webhookId));
  }

  async update(webhookId: string, input: WebhookInput): Promise<WireWebhook> {
    const record = await this.store.updateWebhook(webhookId, {
      name: input.name || undefined,
      url: input.url === undefined ? undefined : checkUrl(input.url),
      events: input.events === undefined ? undefined : checkEvents(input.events),
      modelName: input.modelName === undefined ? undefined : input.modelName || null,
      description: input.description,
      secret: this.seal(input.secret),
      status: input.status === undefined ? undefined : checkStatus(input.status),
      time: Date.now(),
    });
    return toWireWebhook(record);
  }

  delete(webhookId: string): Promise<void> {
    return this.store.deleteWebhook(webhookId);
  }

  /** Sends a test event now and reports what the receiver answered. */
  async test(webhookId: string): Promise<AttemptResult> {
    const hook = await this.store.getWebhook(webhookId);
    return this.dispatcher.test(hook, {
      webhook_id: hook.webhookId,
      name: hook.name,
      message: 'Test delivery',
    });
  }

  async deliveries(webhookId: string, limit = 100): Promise<WireDelivery[]> {
    await this.store.getWebhook(webhookId);
    return (await this.store.listDeliveries(webhookId, Math.min(Math.max(limit, 1), 1000))).map(
      toWireDelivery,
    );
  }
}
