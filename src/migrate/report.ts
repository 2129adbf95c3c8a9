/** The closing report of an import (counts per kind, what was skipped and why) and its progress line. */

export const KINDS = [
  'experiments',
  'runs',
  'metric points',
  'artifact files',
  'logged models',
  'logged model metric points',
  'registered models',
  'model versions',
] as const;
export type Kind = (typeof KINDS)[number];

const SHOWN_PER_REASON = 10;

interface SkipGroup {
  kind: Kind;
  reason: string;
  ids: string[];
  count: number;
}

export class ImportReport {
  readonly written = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
  private readonly skips = new Map<string, SkipGroup>();
  readonly failures: { kind: Kind; id: string; message: string }[] = [];

  constructor(
    readonly dryRun: boolean,
    private readonly verb = 'imported',
  ) {}

  add(kind: Kind, n = 1): void {
    this.written.set(kind, (this.written.get(kind) ?? 0) + n);
  }

  count(kind: Kind): number {
    return this.written.get(kind) ?? 0;
  }

  skip(kind: Kind, id: string, reason: string, n = 1): void {
    const key = `${kind}\u0000${reason}`;
    let g = this.skips.get(key);
    if (!g) this.skips.set(key, (g = { kind, reason, ids: [], count: 0 }));
    g.count += n;
    if (g.ids.length < SHOWN_PER_REASON) g.ids.push(id);
  }

  skipped(kind: Kind): number {
    let n = 0;
    for (const g of this.skips.values()) if (g.kind === kind) n += g.count;
    return n;
  }

  fail(kind: Kind, id: string, err: unknown): void {
    this.failures.push({ kind, id, message: err instanceof Error ? err.message : String(err) });
  }

  /** A plain-text report for the terminal. */
  format(): string {
    const verb = this.dryRun ? 'would import' : this.verb;
    const lines = [this.dryRun ? 'Dry run: nothing was written.' : `Finished: ${this.verb}.`];
    for (const k of KINDS) {
      const skipped = this.skipped(k);
      lines.push(`  ${k.padEnd(18)} ${verb} ${this.count(k)}${skipped ? `, skipped ${skipped}` : ''}`);
    }
    if (this.skips.size) {
      lines.push('Skipped:');
      for (const g of this.skips.values()) {
        const more = g.count > g.ids.length ? ` (+${g.count - g.ids.length} more)` : '';
        lines.push(`  ${g.count} ${g.kind}: ${g.reason} — ${g.ids.join(', ')}${more}`);
      }
    }
    if (this.failures.length) {
      lines.push(`Failed (${this.failures.length}; re-run to retry them):`);
      for (const f of this.failures.slice(0, 50)) lines.push(`  ${f.kind} ${f.id}: ${f.message}`);
    }
    return lines.join('\n') + '\n';
  }
}

/**
 * A progress bar on stderr: redrawn in place on a terminal (at most every 100 ms), one plain line
 * every 10 s otherwise, so logs of a long import stay readable.
 */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream | null,
    private readonly totalRuns?: number,
  ) {}

  update(report: ImportReport, force = false): void {
    if (!this.out) return;
    const now = Date.now();
    const tty = this.out.isTTY === true;
    if (!force && now - this.last < (tty ? 100 : 10_000)) return;
    this.last = now;
    const runs = report.count('runs') + report.skipped('runs');
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${Math.round(report.count('metric points') / secs)} points/s`;
    let bar = '';
    if (this.totalRuns) {
      const width = 24;
      const filled = Math.min(width, Math.round((runs / this.totalRuns) * width));
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
    }
    const text = `${bar}runs ${runs}${this.totalRuns ? `/${this.totalRuns}` : ''}  points ${report.count('metric points')}  files ${report.count('artifact files')}  ${rate}`;
    if (tty) {
      this.out.write(`\r${text}\u001b[K`);
      this.drawn = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  done(report: ImportReport): void {
    this.update(report, true);
    if (this.drawn) this.out?.write('\n');
  }
}
