/**
 * SDK for registry webhooks (`registry.webhooks`): register receivers for registry events, test
 * them, read the delivery log.
 *
 * @example
 * const hook = await registry.webhooks.create({
 *   name: 'deploy', url: 'https://ci.example.com/hooks/cairn', secret: process.env.HOOK_SECRET,
 *   events: ['model_version_alias.created'], model_name: 'fraud',
 * });
 * console.log(await registry.webhooks.test(hook.webhook_id));
 */
import type { RequestOptions } from './http.js';
import type { TrackingClient } from './tracking-client.js';
import type { WebhookDelivery, Webhook } from '../entities/webhooks.js';

export interface WebhookOptions {
  name: string;
  url: string;
  events: string[];
  secret?: string;
  description?: string;
  model_name?: string;
  status?: 'ACTIVE' | 'DISABLED';
}

export interface WebhookTestResult {
  success: boolean;
  response_status?: number;
  response_body?: string;
  error_message?: string;
}

export class RegistryWebhooksClient {
  constructor(private readonly tracking: TrackingClient) {}

  private call<T>(method: string, path: string, payload: Record<string, unknown> = {}): Promise<T> {
    const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
    if (method === 'GET') {
      return this.tracking.http.json<T>('GET', path, {
        query: clean as RequestOptions['query'],
        idempotent: true,
      });
    }
    return this.tracking.http.json<T>(method, path, { body: clean });
  }

  async create(options: WebhookOptions): Promise<Webhook> {
    return (await this.call<{ webhook: Webhook }>('POST', 'webhooks/create', { ...options })).webhook;
  }

  async list(): Promise<Webhook[]> {
    return (await this.call<{ webhooks?: Webhook[] }>('GET', 'webhooks/list')).webhooks ?? [];
  }

  async get(webhookId: string): Promise<Webhook> {
    return (await this.call<{ webhook: Webhook }>('GET', 'webhooks/get', { webhook_id: webhookId })).webhook;
  }

  async update(webhookId: string, changes: Partial<WebhookOptions>): Promise<Webhook> {
    return (
      await this.call<{ webhook: Webhook }>('PATCH', 'webhooks/update', {
        webhook_id: webhookId,
        ...changes,
      })
    ).webhook;
  }

  async delete(webhookId: string): Promise<void> {
    await this.call('DELETE', 'webhooks/delete', { webhook_id: webhookId });
  }

  /** Sends a test event now; reports what the receiver answered. */
  async test(webhookId: string): Promise<WebhookTestResult> {
    return (
      await this.call<{ result: WebhookTestResult }>('POST', 'webhooks/test', { webhook_id: webhookId })
    ).result;
  }

  async deliveries(webhookId: string, maxResults = 100): Promise<WebhookDelivery[]> {
    const r = await this.call<{ deliveries?: WebhookDelivery[] }>('GET', 'webhooks/deliveries', {
      webhook_id: webhookId,
      max_results: maxResults,
    });
    return r.deliveries ?? [];
  }
}
