/** Prometheus metrics of the scoring server (text exposition format 0.0.4). */

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
  render(name: string, labels = ''): string[] {
    const sep = labels ? `${labels},` : '';
    const lines = this.buckets.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`);
    lines.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    lines.push(`${name}_sum${labels ? `{${labels}}` : ''} ${this.sum}`);
    lines.push(`${name}_count${labels ? `{${labels}}` : ''} ${this.count}`);
    return lines;
  }
}

export class ScoringMetrics {
  private readonly requests = new Map<number, number>();
  private readonly duration = new Histogram(DURATION_BUCKETS);
  private readonly batchRequests = new Histogram(BATCH_BUCKETS);
  private rows = 0;
  private batches = 0;
  inFlight = 0;

  constructor(private readonly labels: Record<string, string> = {}) {}

  recordRequest(status: number, seconds: number, rows: number): void {
    this.requests.set(status, (this.requests.get(status) ?? 0) + 1);
    this.duration.observe(seconds);
    this.rows += rows;
  }

  recordBatch(requests: number): void {
    this.batches++;
    this.batchRequests.observe(requests);
  }

  render(): string {
    const base = Object.entries(this.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    const withBase = (extra: string): string => [base, extra].filter(Boolean).join(',');
    const lines: string[] = [
      '# HELP cairn_scoring_requests_total Scoring requests answered, by HTTP status.',
      '# TYPE cairn_scoring_requests_total counter',
    ];
    for (const [status, n] of [...this.requests.entries()].sort((a, b) => a[0] - b[0])) {
      lines.push(`cairn_scoring_requests_total{${withBase(`status="${status}"`)}} ${n}`);
    }
    lines.push(
      '# HELP cairn_scoring_request_duration_seconds Time from request received to answer sent.',
      '# TYPE cairn_scoring_request_duration_seconds histogram',
      ...this.duration.render('cairn_scoring_request_duration_seconds', base),
      '# HELP cairn_scoring_predicted_rows_total Rows scored.',
      '# TYPE cairn_scoring_predicted_rows_total counter',
      `cairn_scoring_predicted_rows_total${base ? `{${base}}` : ''} ${this.rows}`,
      '# HELP cairn_scoring_model_calls_total Model invocations (several requests may share one).',
      '# TYPE cairn_scoring_model_calls_total counter',
      `cairn_scoring_model_calls_total${base ? `{${base}}` : ''} ${this.batches}`,
      '# HELP cairn_scoring_batch_requests Requests served per model invocation.',
      '# TYPE cairn_scoring_batch_requests histogram',
      ...this.batchRequests.render('cairn_scoring_batch_requests', base),
      '# HELP cairn_scoring_requests_in_flight Requests being processed.',
      '# TYPE cairn_scoring_requests_in_flight gauge',
      `cairn_scoring_requests_in_flight${base ? `{${base}}` : ''} ${this.inFlight}`,
    );
    return `${lines.join('\n')}\n`;
  }
}

/**
 * Merges several Prometheus text expositions (one per worker process) into one: each metric
 * family keeps a single HELP/TYPE header followed by every process's samples.
 */
export function mergeExpositions(texts: string[]): string {
  const order: string[] = [];
  const families = new Map<string, { header: string[]; samples: string[] }>();
  for (const text of texts) {
    let current: { header: string[]; samples: string[] } | undefined;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const m = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (m) {
        const name = m[2]!;
        let fam = families.get(name);
        if (!fam) {
          fam = { header: [], samples: [] };
          families.set(name, fam);
          order.push(name);
        }
        if (!fam.header.some((h) => h.startsWith(`# ${m[1]} `))) fam.header.push(line);
        current = fam;
        continue;
      }
      current?.samples.push(line);
    }
  }
  return `${order.flatMap((n) => [...families.get(n)!.header, ...families.get(n)!.samples]).join('\n')}\n`;
}
