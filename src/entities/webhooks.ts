/** Registry webhooks as the REST API shows them (shared by the server and the SDK). */

export type WebhookStatus = 'ACTIVE' | 'DISABLED';
export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** A webhook as the API shows it: the secret never leaves the server. */
export interface Webhook {
  webhook_id: string;
  name: string;
  url: string;
  events: string[];
  model_name?: string;
  description?: string;
  status: WebhookStatus;
  has_secret: boolean;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

/** One delivery attempt log entry of a webhook. */
export interface WebhookDelivery {
  delivery_id: string;
  webhook_id: string;
  event: string;
  model_name?: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  response_status?: number;
  error?: string;
  creation_timestamp: number;
  last_attempt_timestamp?: number;
}
