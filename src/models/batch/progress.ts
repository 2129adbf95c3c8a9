/** A one-line progress bar on stderr, redrawn at most every 200 ms, shown only on a terminal. */

export class ProgressBar {
  private last = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(
    private readonly total: number | undefined,
    private readonly unit: 'bytes' | 'rows',
    enabled = process.stderr.isTTY === true,
  ) {
    this.enabled = enabled;
  }

  private fmt(n: number): string {
    if (this.unit === 'rows') return n.toLocaleString('en-US');
    if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
    if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
    return `${(n / 1024).toFixed(0)} KiB`;
  }

  update(done: number, rows: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const rate = `${Math.round(rows / secs).toLocaleString('en-US')} rows/s`;
    let line: string;
    if (this.total) {
      const frac = Math.min(1, done / this.total);
      const width = 30;
      const filled = Math.round(frac * width);
      line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${this.fmt(done)}/${this.fmt(this.total)} ${rate}`;
    } else {
      line = `${this.fmt(done)} read, ${rows.toLocaleString('en-US')} rows, ${rate}`;
    }
    process.stderr.write(`\r${line}\x1b[K`);
  }

  finish(rows: number): void {
    if (!this.enabled) return;
    this.update(this.total ?? 0, rows, true);
    process.stderr.write('\n');
  }
}
