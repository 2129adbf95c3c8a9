/**
 * Registry webhook endpoints (a Cairn extension, mounted with the rest of the API):
 * `webhooks/create|list|get|update|delete|test|deliveries`.
 */
import { invalidParam } from '../../errors.js';
import { optInt, optStringList, optText, reqText } from '../decode.js';
import { endpoint, type Endpoint, type Fields } from '../endpoint.js';
import type { WebhookInput } from '../../registry/webhooks/webhook-service.js';

function decodeInput(fields: Fields): WebhookInput {
  const input: WebhookInput = {
    name: optText(fields, 'name'),
    url: optText(fields, 'url'),
    events: optStringList(fields, 'events'),
    description: optText(fields, 'description'),
    secret: optText(fields, 'secret'),
    status: optText(fields, 'status'),
  };
  if ('model_name' in fields) input.modelName = optText(fields, 'model_name') ?? null;
  return input;
}

export const registryWebhookEndpoints: Endpoint[] = [
  endpoint('POST', 'webhooks/create', async ({ fields, ctx }) => ({
    webhook: await ctx.registry.webhooks.create(decodeInput(fields)),
  })),
  endpoint('GET', 'webhooks/list', async ({ ctx }) => {
    const webhooks = await ctx.registry.webhooks.list();
    return webhooks.length ? { webhooks } : {};
  }),
  endpoint('GET', 'webhooks/get', async ({ fields, ctx }) => ({
    webhook: await ctx.registry.webhooks.get(reqText(fields, 'webhook_id')),
  })),
  endpoint('PATCH', 'webhooks/update', async ({ fields, ctx }) => ({
    webhook: await ctx.registry.webhooks.update(reqText(fields, 'webhook_id'), decodeInput(fields)),
  })),
  endpoint('DELETE', 'webhooks/delete', async ({ fields, ctx }) => {
    await ctx.registry.webhooks.delete(reqText(fields, 'webhook_id'));
    return {};
  }),
  endpoint('POST', 'webhooks/test', async ({ fields, ctx }) => {
    const r = await ctx.registry.webhooks.test(reqText(fields, 'webhook_id'));
    const result: Record<string, unknown> = { success: r.success };
    if (r.responseStatus !== null) result.response_status = r.responseStatus;
    if (r.responseBody !== null) result.response_body = r.responseBody;
    if (r.error) result.error_message = r.error;
    return { result };
  }),
  endpoint('GET', 'webhooks/deliveries', async ({ fields, ctx }) => {
    const limit = optInt(fields, 'max_results') ?? 100;
    if (limit < 1 || limit > 1000)
      throw invalidParam(`'max_results' must be between 1 and 1000, got ${limit}.`);
    const deliveries = await ctx.registry.webhooks.deliveries(reqText(fields, 'webhook_id'), limit);
    return deliveries.length ? { deliveries } : {};
  }),
];
