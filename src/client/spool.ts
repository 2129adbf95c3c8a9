/**
 * On-disk spool of records that could not be delivered: one append-only JSONL file per
 * (run, writer) under `CAIRN_SPOOL_DIR` (default `~/.cairn/spool`).
 *
 * Lines:
 *   {"t":"batch","id":7,"slot":0,"uncertain":false,"metrics":[...],"params":[...],"tags":[...]}
 *   {"t":"end","id":8,"status":"FINISHED","end_time":1700000000000}
 *   {"t":"attempt","id":7}     written before a replayed batch is sent
 *   {"t":"ack","id":7}         written after the server answered 200
 *   {"t":"reject","id":7,"error":"..."}   the server refused it (4xx); kept for inspection
 * The first line is a header {"t":"header","run_id":...,"writer":...,"tracking_uri":...}.
 * A writer holds `<file>.lock` (its pid) while alive so `cairn sync` leaves its spool alone.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../process-alive.js';
import type { Param, RunTag } from '../entities/tracking.js';

/** A metric point as stored in the spool: wire form (NaN/±Infinity as strings). */
export interface SpoolMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface SpoolBatch {
  t: 'batch';
  id: number;
  /** Receipt slot the batch was (or will be) sent on; see delivery.ts. */
  slot: number;
  /** True when a send may have reached the server: check the receipt before resending. */
  uncertain: boolean;
  metrics: SpoolMetric[];
  params: Param[];
  tags: RunTag[];
}

export interface SpoolEnd {
  t: 'end';
  id: number;
  status: string;
  end_time: number;
}

export type SpoolEntry = SpoolBatch | SpoolEnd;

export interface SpoolHeader {
  t: 'header';
  run_id: string;
  writer: string;
  tracking_uri: string;
  created: number;
}

export function defaultSpoolDir(): string {
  return process.env.CAIRN_SPOOL_DIR || join(homedir(), '.cairn', 'spool');
}

/** The pid in a lock file, or `undefined` when it is missing or unreadable. */
function readPid(lockFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class Spool {
  readonly file: string;
  readonly header: SpoolHeader;
  /** Entries not yet acknowledged or rejected, in file order. */
  readonly pending: SpoolEntry[] = [];
  rejected = 0;
  private locked = false;

  private constructor(file: string, header: SpoolHeader) {
    this.file = file;
    this.header = header;
  }

  /** Creates (or reopens) the spool of one writer of one run. */
  static create(dir: string, header: Omit<SpoolHeader, 't' | 'created'>): Spool {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${header.run_id}.${header.writer}.jsonl`);
    if (existsSync(file)) {
      const spool = Spool.load(file);
      spool.lock();
      return spool;
    }
    const spool = new Spool(file, { t: 'header', created: Date.now(), ...header });
    spool.lock();
    spool.append(spool.header, true);
    return spool;
  }

  /** Reads a spool file; a torn last line (crash mid-write) is ignored. */
  static load(file: string): Spool {
    const lines = readFileSync(file, 'utf8').split('\n');
    const header = JSON.parse(lines[0]!) as SpoolHeader;
    const spool = new Spool(file, header);
    const byId = new Map<number, SpoolEntry>();
    for (const line of lines.slice(1)) {
      if (!line.trim()) continue;
      let rec: { t: string; id: number };
      try {
        rec = JSON.parse(line) as { t: string; id: number };
      } catch {
        continue;
      }
      if (rec.t === 'batch' || rec.t === 'end') byId.set(rec.id, rec as SpoolEntry);
      else if (rec.t === 'attempt') {
        const entry = byId.get(rec.id);
        if (entry?.t === 'batch') entry.uncertain = true;
      } else if (rec.t === 'ack' || rec.t === 'reject') {
        if (rec.t === 'reject') spool.rejected++;
        byId.delete(rec.id);
      }
    }
    spool.pending.push(...[...byId.values()].sort((a, b) => a.id - b.id));
    return spool;
  }

  /** Spool files in a directory, with whether a live process owns each one. */
  static list(dir: string): { file: string; lockedBy?: number }[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => {
        const file = join(dir, f);
        let lockedBy: number | undefined;
        try {
          const pid = Number(readFileSync(`${file}.lock`, 'utf8'));
          if (isProcessAlive(pid)) lockedBy = pid;
        } catch {
          // no lock
        }
        return { file, lockedBy };
      });
  }

  /**
   * Takes the lock file; fails if another live process holds it. The file is created exclusively,
   * so of two processes starting at once only one gets it; a lock left by a dead process is moved
   * aside first (a rename, which only one process can win).
   */
  lock(): void {
    const lockFile = `${this.file}.lock`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readPid(lockFile);
      if (holder === process.pid) {
        this.locked = true;
        return;
      }
      if (holder !== undefined && isProcessAlive(holder)) {
        throw new Error(`spool ${this.file} is in use by process ${holder}`);
      }
      const aside = `${lockFile}.${process.pid}.stale`;
      try {
        renameSync(lockFile, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = readPid(aside);
      rmSync(aside, { force: true });
      if (moved !== holder && moved !== undefined && isProcessAlive(moved)) {
        // Another process took the lock between our read and our rename: give it back.
        writeFileSync(lockFile, String(moved), { flag: 'wx' });
        throw new Error(`spool ${this.file} is in use by process ${moved}`);
      }
    }
    throw new Error(`spool ${this.file}: could not take its lock`);
  }

  unlock(): void {
    if (!this.locked) return;
    rmSync(`${this.file}.lock`, { force: true });
    this.locked = false;
  }

  get pendingRecords(): number {
    let n = 0;
    for (const e of this.pending)
      n += e.t === 'batch' ? e.metrics.length + e.params.length + e.tags.length : 1;
    return n;
  }

  addBatch(batch: SpoolBatch): void {
    this.append(batch, true);
    this.pending.push(batch);
  }

  addEnd(end: SpoolEnd): void {
    this.append(end, true);
    this.pending.push(end);
  }

  markAttempt(id: number): void {
    this.append({ t: 'attempt', id }, true);
    const entry = this.pending.find((e) => e.id === id);
    if (entry?.t === 'batch') entry.uncertain = true;
  }

  ack(id: number): void {
    this.append({ t: 'ack', id }, false);
    this.drop(id);
  }

  reject(id: number, error: string): void {
    this.append({ t: 'reject', id, error }, true);
    this.rejected++;
    this.drop(id);
  }

  /** Deletes the file once nothing in it is pending and nothing was rejected. */
  removeIfDone(): boolean {
    if (this.pending.length > 0 || this.rejected > 0) return false;
    rmSync(this.file, { force: true });
    this.unlock();
    return true;
  }

  private drop(id: number): void {
    const at = this.pending.findIndex((e) => e.id === id);
    if (at >= 0) this.pending.splice(at, 1);
  }

  /** Appends one line; `durable` lines are fsynced (they hold data or resend decisions). */
  private append(record: object, durable: boolean): void {
    const line = `${JSON.stringify(record)}\n`;
    if (!durable) {
      appendFileSync(this.file, line);
      return;
    }
    const fd = openSync(this.file, 'a');
    try {
      appendFileSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
