/**
 * Delivers registry events to webhooks. Deliveries run in the background: the registry call that
 * caused an event never waits for, or fails because of, a receiver. Each (webhook, model) pair has
 * its own queue, so a model's events arrive in the order they happened, while a slow receiver or
 * model does not hold up the others. Failed attempts are retried with exponential backoff; every
 * delivery and its outcome is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { DeliveryRecord, RegistryStore, WebhookRecord } from '../../store/registry-store.js';
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
}

export interface AttemptResult {
  success: boolean;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
}

type DeliveryStore = Pick<RegistryStore, 'listWebhooks' | 'insertDelivery' | 'updateDelivery'>;

interface Sleeper {
  timer: NodeJS.Timeout;
  wake(): void;
}

/** A backoff wait that `close()` can cut short. */
const sleep = (ms: number, sleepers: Set<Sleeper>): Promise<void> =>
  new Promise((resolve) => {
    const sleeper: Sleeper = {
      timer: setTimeout(() => sleeper.wake(), ms),
      wake: () => {
        clearTimeout(sleeper.timer);
        sleepers.delete(sleeper);
        resolve();
      },
    };
    sleeper.timer.unref();
    sleepers.add(sleeper);
  });

const retryable = (status: number | null): boolean =>
  status === null || status === 408 || status === 429 || status >= 500;

export class WebhookDispatcher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  /** Per model: fan-out of events in emission order. */
  private readonly intake = new Map<string, Promise<void>>();
  /** Per (webhook, model): deliveries in order. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly timers = new Set<Sleeper>();
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: DeliveryStore,
    options: DispatcherOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseDelayMs = options.retryDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Queues `event` for every active webhook subscribed to it. Never throws. */
  emit(event: string, modelName: string, data: Record<string, unknown>): void {
    if (this.closed) return;
    const payload = JSON.stringify(buildPayload(event, data));
    const previous = this.intake.get(modelName) ?? Promise.resolve();
    const next = previous.then(() => this.fanOut(event, modelName, payload)).catch(reportFailure);
    this.intake.set(modelName, next);
    this.track(next);
    void next.then(() => {
      if (this.intake.get(modelName) === next) this.intake.delete(modelName);
    });
  }

  private async fanOut(event: string, modelName: string, payload: string): Promise<void> {
    if (this.closed) return;
    const hooks = (await this.store.listWebhooks()).filter(
      (w) => w.status === 'ACTIVE' && w.events.includes(event) && (!w.modelName || w.modelName === modelName),
    );
    for (const hook of hooks) {
      const delivery: DeliveryRecord = {
        deliveryId: randomUUID(),
        webhookId: hook.webhookId,
        event,
        modelName,
        payload,
        status: 'PENDING',
        attempts: 0,
        responseStatus: null,
        error: null,
        creationTime: Date.now(),
        lastAttemptTime: null,
      };
      await this.store.insertDelivery(delivery);
      const key = `${hook.webhookId}\u0000${modelName}`;
      const previous = this.queues.get(key) ?? Promise.resolve();
      const next = previous.then(() => this.deliver(hook, delivery)).catch(reportFailure);
      this.queues.set(key, next);
      this.track(next);
      void next.then(() => {
        if (this.queues.get(key) === next) this.queues.delete(key);
      });
    }
  }

  private async deliver(hook: WebhookRecord, delivery: DeliveryRecord): Promise<void> {
    let result: AttemptResult = {
      success: false,
      responseStatus: null,
      responseBody: null,
      error: 'not sent',
    };
    let attempts = 0;
    while (attempts < this.maxAttempts && !this.closed) {
      if (attempts > 0) {
        const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1));
        await sleep(delay, this.timers);
        if (this.closed) break;
      }
      attempts++;
      result = await this.attempt(hook, delivery.deliveryId, delivery.event, delivery.payload);
      await this.store
        .updateDelivery(delivery.deliveryId, {
          status: result.success ? 'SUCCEEDED' : attempts >= this.maxAttempts ? 'FAILED' : 'PENDING',
          attempts,
          responseStatus: result.responseStatus,
          error: result.error,
          lastAttemptTime: Date.now(),
        })
        .catch(reportFailure);
      if (result.success || !retryable(result.responseStatus)) break;
    }
    if (!result.success) {
      await this.store
        .updateDelivery(delivery.deliveryId, {
          status: 'FAILED',
          attempts,
          responseStatus: result.responseStatus,
          error: result.error,
          lastAttemptTime: Date.now(),
        })
        .catch(reportFailure);
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
    if (hook.secret)
      headers[SIGNATURE_HEADER] = signWebhookPayload(hook.secret, deliveryId, timestamp, payload);
    for (const [ours, theirs] of Object.entries(MLFLOW_HEADER_ALIASES)) {
      if (headers[ours] !== undefined) headers[theirs] = headers[ours];
    }
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers,
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = (await res.text()).slice(0, 2000);
      const ok = res.status >= 200 && res.status < 300;
      return {
        success: ok,
        responseStatus: res.status,
        responseBody: text,
        error: ok ? null : `Receiver answered HTTP ${res.status}`,
      };
    } catch (err) {
      const e = err as Error & { cause?: { message?: string } };
      return {
        success: false,
        responseStatus: null,
        responseBody: null,
        error: e.cause?.message ?? e.message,
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

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves once every queued delivery has finished (succeeded or given up). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops retrying and waits (briefly) for attempts in flight. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    for (const sleeper of [...this.timers]) sleeper.wake();
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}

function reportFailure(err: unknown): void {
  // A delivery problem must never surface in a registry call; it is logged for the operator.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`cairn: webhook delivery error: ${message}\n`);
}
