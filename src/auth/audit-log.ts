/**
 * The audit log writer: records of state-changing requests are buffered and written in one
 * multi-row insert every `flushMs` (or sooner when the buffer fills), so auditing adds no
 * transaction per request. `close()` writes what is left.
 */
import { randomBytes } from 'node:crypto';
import type { AuditRecord, AuthStore } from '../store/auth-store.js';

export type NewAuditRecord = Omit<AuditRecord, 'eventId'>;

export class AuditLog {
  private buffer: AuditRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly prefix = randomBytes(4).toString('hex');

  constructor(
    private readonly store: AuthStore,
    private readonly flushMs = 200,
    private readonly maxBuffer = 500,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  record(r: NewAuditRecord): void {
    // Sortable within one millisecond and unique across server instances.
    const eventId = `${r.time.toString(36).padStart(9, '0')}${this.prefix}${(this.seq++ % 1e6).toString(36).padStart(4, '0')}`;
    this.buffer.push({ eventId, ...r });
    if (this.buffer.length >= this.maxBuffer) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes the buffered records; resolves when they are stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      if (!batch.length) return;
      try {
        await this.store.appendAudit(batch);
      } catch (err) {
        this.onError(err);
      }
    });
    return this.writing;
  }

  close(): Promise<void> {
    return this.flush();
  }
}
