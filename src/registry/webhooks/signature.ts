/**
 * Delivery signatures: HMAC-SHA256 over `<delivery id>.<unix seconds>.<body>`, keyed by the
 * webhook secret, sent as `v1,<base64>`. Receivers recompute it with {@link verifyWebhookSignature}
 * and reject old timestamps to stop replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Cairn-Signature';
export const TIMESTAMP_HEADER = 'X-Cairn-Timestamp';
export const DELIVERY_ID_HEADER = 'X-Cairn-Delivery-Id';
export const EVENT_HEADER = 'X-Cairn-Event';
/** The same values under the names MLflow receivers look for. */
export const MLFLOW_HEADER_ALIASES: Record<string, string> = {
  [SIGNATURE_HEADER]: 'X-MLflow-Signature',
  [TIMESTAMP_HEADER]: 'X-MLflow-Timestamp',
  [DELIVERY_ID_HEADER]: 'X-MLflow-Delivery-Id',
};
export const SIGNATURE_VERSION = 'v1';

export function signWebhookPayload(
  secret: string,
  deliveryId: string,
  timestamp: string,
  body: string,
): string {
  const mac = createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${body}`).digest('base64');
  return `${SIGNATURE_VERSION},${mac}`;
}

/**
 * Checks a received signature. `maxAgeSeconds` bounds how old the timestamp may be (0 disables
 * the check). Returns false rather than throwing for any malformed input.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: { signature: string; deliveryId: string; timestamp: string },
  body: string,
  maxAgeSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts)) return false;
  if (maxAgeSeconds > 0 && Math.abs(nowSeconds - ts) > maxAgeSeconds) return false;
  const expected = Buffer.from(signWebhookPayload(secret, headers.deliveryId, headers.timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
