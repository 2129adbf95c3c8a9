/**
 * Delivers registry events to webhooks from the durable outbox. The registry change and its
 * deliveries are committed together (see `RegistryEvent`); this worker, running in every server
 * instance, claims due deliveries under a lease, POSTs them through the vetted outgoing client and
 * records every attempt. A failed attempt is retried with exponential backoff; an instance that
 * dies mid-delivery loses its lease and another instance sends the delivery again with the same
 * delivery id, so receivers can drop duplicates. Only the oldest unfinished delivery of a
 * (webhook, model) is ever claimed, so a model's events arrive in the order they happened.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DeliveryRecord, RegistryStore, WebhookRecord } from '../../store/registry-store.js';
import { OutgoingTargetRefused, postBounded, type OutgoingHttpPolicy } from '../../security/outgoing-http.js';
import type { SecretBox } from '../../security/secret-box.js';
import { webhookMetrics } from '../../observability/metrics.js';
import { buildPayload, TEST_EVENT } from './events.js';
import {
  DELIVERY_ID_HEADER,
  EVENT_HEADER,
  MLFLOW_HEADER_ALIASES,
  SIGNATURE_HEADER,
  signWebhookPayload,
  TIMESTAMP_HEADER,
} from './signature.js';

export interface DispatcherOptions {
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** Delay before the first retry; doubled for each further one. */
  retryDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt time limit. */
  timeoutMs?: number;
  /** How often an idle instance looks for due deliveries (others' retries, taken-over leases). */
  pollMs?: number;
  /** How long a claim holds a delivery; must exceed `timeoutMs`. */
  leaseMs?: number;
  /** Deliveries in flight at once per instance. */
  concurrency?: number;
  /** Non-public hosts, IPs and CIDR ranges that may be reached (default: public addresses only). */
  allowedHosts?: readonly string[];
  /** Opens stored webhook secrets; null when no key is configured. */
  secrets?: SecretBox | null;
}

export interface AttemptResult {
  success: boolean;
  responseStatus: number | null;
  /** The start of the answer, only for public targets (never for allowed private ones). */
  responseBody: string | null;
  error: string | null;
  /** The policy refused the target: retrying cannot help. */
  refused?: boolean;
}

type DeliveryStore = Pick<
  RegistryStore,
  'getWebhook' | 'insertDelivery' | 'claimDeliveries' | 'finishAttempt' | 'pendingDeliveries'
>;

/** Characters of a public target's answer that `webhooks/test` shows. */
const SHOWN_BODY_CHARS = 1000;

const retryable = (status: number | null): boolean =>
  status === null || status === 408 || status === 429 || status >= 500;

export class WebhookDispatcher {
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly http: OutgoingHttpPolicy;
  private readonly secrets: SecretBox | null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private signal: (() => void) | null = null;
  private signalled = false;
  private loop: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly store: DeliveryStore,
    options: DispatcherOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = options.retryDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.pollMs = options.pollMs ?? 1000;
    // A lease must outlive the longest attempt, or a slow attempt would be taken over.
    this.leaseMs = Math.max(this.timeoutMs + 1000, options.leaseMs ?? this.timeoutMs + 5000);
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.http = { allowedHosts: options.allowedHosts ?? [] };
    this.secrets = options.secrets ?? null;
  }

  /** Starts claiming and delivering in the background. */
  start(): void {
    if (this.loop || this.closed) return;
    this.loop = this.run().catch(reportFailure);
  }

  /** Deliveries were committed: look for due ones now instead of at the next poll. */
  wake(): void {
    this.signalled = true;
    this.signal?.();
  }

  private waitForSignal(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.signal?.(), ms);
      timer.unref();
      this.signal = () => {
        clearTimeout(timer);
        this.signal = null;
        this.signalled = false;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const free = this.concurrency - this.inFlight.size;
      let claimed: DeliveryRecord[] = [];
      if (free > 0) {
        try {
          claimed = await this.store.claimDeliveries(this.instanceId, Date.now(), this.leaseMs, free);
        } catch (err) {
          reportFailure(err);
        }
      }
      for (const d of claimed) this.launch(d);
      if (claimed.length > 0 && claimed.length === free) continue;
      if (!this.closed) await this.waitForSignal(this.pollMs);
    }
  }

  private launch(delivery: DeliveryRecord): void {
    const p = this.deliver(delivery)
      .catch(reportFailure)
      .finally(() => {
        this.inFlight.delete(p);
        this.wake();
      });
    this.inFlight.add(p);
  }

  private async deliver(delivery: DeliveryRecord): Promise<void> {
    let hook: WebhookRecord;
    try {
      hook = await this.store.getWebhook(delivery.webhookId);
    } catch {
      return; // Deleted meanwhile: its deliveries went with it.
    }
    const started = Date.now();
    const attempt = delivery.attempts + 1;
    const active = hook.status === 'ACTIVE';
    const result = active
      ? await this.attempt(hook, delivery.deliveryId, delivery.event, delivery.payload)
      : { success: false, responseStatus: null, responseBody: null, error: 'webhook is disabled' };
    const now = Date.now();
    const giveUp =
      !result.success &&
      (!active || result.refused || attempt >= this.maxAttempts || !retryable(result.responseStatus));
    const status = result.success ? 'SUCCEEDED' : giveUp ? 'FAILED' : 'PENDING';
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const kept = await this.store.finishAttempt(
      this.instanceId,
      {
        deliveryId: delivery.deliveryId,
        attempt,
        startedTime: started,
        durationMs: now - started,
        responseStatus: result.responseStatus,
        error: result.error,
        instanceId: this.instanceId,
      },
      {
        status,
        attempts: attempt,
        responseStatus: result.responseStatus,
        error: result.error,
        lastAttemptTime: now,
        nextAttemptTime: status === 'PENDING' ? now + delay : now,
      },
    );
    webhookMetrics.attempts.inc({ outcome: result.success ? 'success' : 'failure' });
    if (status === 'FAILED' && kept) webhookMetrics.failed.inc();
    if (status === 'PENDING' && !this.closed) {
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.wake();
      }, delay);
      timer.unref();
      this.retryTimers.add(timer);
    }
  }

  /** One POST of `payload` to the webhook, signed when it has a secret. */
  async attempt(
    hook: WebhookRecord,
    deliveryId: string,
    event: string,
    payload: string,
  ): Promise<AttemptResult> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'cairn-webhooks',
      [EVENT_HEADER]: event,
      [DELIVERY_ID_HEADER]: deliveryId,
      [TIMESTAMP_HEADER]: timestamp,
    };
    try {
      if (hook.secret) {
        if (!this.secrets) throw new Error('the webhook has a secret but no CAIRN_SECRET_KEY is configured');
        const secret = this.secrets.reveal(hook.secret);
        headers[SIGNATURE_HEADER] = signWebhookPayload(secret, deliveryId, timestamp, payload);
      }
      for (const [ours, theirs] of Object.entries(MLFLOW_HEADER_ALIASES)) {
        if (headers[ours] !== undefined) headers[theirs] = headers[ours];
      }
      const res = await postBounded(hook.url, this.http, {
        headers,
        body: payload,
        timeoutMs: this.timeoutMs,
      });
      const ok = res.status >= 200 && res.status < 300;
      return {
        success: ok,
        responseStatus: res.status,
        responseBody: res.remoteIsPublic ? res.bodyPrefix.slice(0, SHOWN_BODY_CHARS) : null,
        error: ok
          ? null
          : res.status >= 300 && res.status < 400
            ? `Receiver answered HTTP ${res.status} (redirects are not followed)`
            : `Receiver answered HTTP ${res.status}`,
      };
    } catch (err) {
      const e = err as Error & { cause?: { message?: string } };
      const refused = e instanceof OutgoingTargetRefused;
      return {
        success: false,
        responseStatus: null,
        responseBody: null,
        error: refused ? `Target refused: ${e.message}` : (e.cause?.message ?? e.message),
        refused,
      };
    }
  }

  /** Sends one test event to `hook` right away (no retries) and records it. */
  async test(hook: WebhookRecord, data: Record<string, unknown>): Promise<AttemptResult> {
    const deliveryId = randomUUID();
    const payload = JSON.stringify(buildPayload(TEST_EVENT, data));
    const result = await this.attempt(hook, deliveryId, TEST_EVENT, payload);
    await this.store
      .insertDelivery({
        deliveryId,
        webhookId: hook.webhookId,
        event: TEST_EVENT,
        modelName: null,
        payload,
        status: result.success ? 'SUCCEEDED' : 'FAILED',
        attempts: 1,
        responseStatus: result.responseStatus,
        error: result.error,
        creationTime: Date.now(),
        lastAttemptTime: Date.now(),
      })
      .catch(reportFailure);
    return result;
  }

  /**
   * Resolves once the outbox holds no unfinished delivery and nothing is in flight here (all
   * delivered or given up). For tests and orderly shutdowns.
   */
  async idle(pollMs = 20): Promise<void> {
    for (;;) {
      if (this.inFlight.size === 0 && (await this.store.pendingDeliveries()) === 0) return;
      this.wake();
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * Stops claiming and waits (briefly) for attempts in flight. Deliveries still pending stay in
   * the outbox for the next instance that runs.
   */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.signal?.();
    await Promise.race([
      Promise.allSettled([this.loop, ...this.inFlight]),
      new Promise((r) => setTimeout(r, graceMs).unref()),
    ]);
  }
}

function reportFailure(err: unknown): void {
  // A delivery problem must never surface in a registry call; it is logged for the operator.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`cairn: webhook delivery error: ${message}\n`);
}
