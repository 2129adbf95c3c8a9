/**
 * A counter and a histogram for the figures recorded on every request, exposed through
 * prom-client's registry exactly as its own `Counter` and `Histogram` are (same names, types,
 * label order, buckets and aggregation across worker processes).
 *
 * Why not prom-client's own: its labelled child still validates the labels, hashes them into a
 * key and looks up the bucket through a property named by the bucket's number on every call
 * (about 2 µs for one count and one duration at load, measured: a few per cent of a log-metric
 * call's server CPU). Here a series is made once per label set by `series()` and a recording is
 * an array update.
 */
import type { MetricValue, MetricValueWithName, Registry } from 'prom-client';

type Labels = Record<string, string>;
/** What `Registry.getMetricsAsJSON` and the text exposition read of a metric (prom-client's own type
 * declares `type` as a numeric enum, but the registry reads the strings its metrics hold). */
interface Exposed<V> {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: V[];
}

interface Described {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

/** What prom-client's registry needs of a metric (its `Metric` type is a class we do not extend). */
abstract class RegisteredSeries<S extends { labels: Labels; used: boolean }> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  protected readonly all = new Map<string, S>();
  private readonly labelNames: readonly string[];

  constructor(described: Described) {
    this.name = described.name;
    this.help = described.help;
    this.labelNames = described.labelNames;
    for (const registry of described.registers) registry.registerMetric(this as never);
  }

  /** The series of one label set (every label name given, in any order); made on first use. */
  protected seriesOf(labels: Labels, make: (labels: Labels) => S): S {
    const ordered: Labels = {};
    for (const name of this.labelNames) {
      const value = labels[name];
      if (typeof value !== 'string') throw new Error(`${this.name}: label '${name}' is missing.`);
      ordered[name] = value;
    }
    if (Object.keys(labels).length !== this.labelNames.length) {
      throw new Error(`${this.name}: labels must be exactly ${this.labelNames.join(', ')}.`);
    }
    const key = JSON.stringify(Object.values(ordered));
    let found = this.all.get(key);
    if (!found) this.all.set(key, (found = make(ordered)));
    return found;
  }

  /** Like prom-client's `reset`: series vanish from the exposition until recorded again. */
  reset(): void {
    for (const s of this.all.values()) {
      s.used = false;
      this.clear(s);
    }
  }

  protected abstract clear(series: S): void;

  protected used(): S[] {
    return [...this.all.values()].filter((s) => s.used);
  }
}

interface CounterSeries {
  labels: Labels;
  used: boolean;
  value: number;
}

export class SeriesCounter extends RegisteredSeries<CounterSeries> {
  readonly type = 'counter' as const;

  series(labels: Labels): { inc(): void } {
    const s = this.seriesOf(labels, (l) => ({ labels: l, used: false, value: 0 }));
    return {
      inc() {
        s.value += 1;
        s.used = true;
      },
    };
  }

  protected clear(s: CounterSeries): void {
    s.value = 0;
  }

  async get(): Promise<Exposed<MetricValue<string>>> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.used().map((s) => ({ value: s.value, labels: { ...s.labels } })),
    };
  }
}

/** As prom-client's histogram reports a value (buckets carry an empty exemplar). */
type BucketValue = MetricValueWithName<string> & { exemplar?: null };

interface HistogramSeries {
  labels: Labels;
  used: boolean;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class SeriesHistogram extends RegisteredSeries<HistogramSeries> {
  readonly type = 'histogram' as const;
  private readonly buckets: readonly number[];

  constructor(described: Described & { buckets: readonly number[] }) {
    super(described);
    this.buckets = [...described.buckets].sort((a, b) => a - b);
  }

  series(labels: Labels): { observe(value: number): void } {
    const s = this.seriesOf(labels, (l) => ({
      labels: l,
      used: false,
      counts: new Float64Array(this.buckets.length + 1),
      sum: 0,
      count: 0,
    }));
    const buckets = this.buckets;
    return {
      observe(value: number) {
        if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
        let i = 0;
        while (i < buckets.length && value > buckets[i]!) i++;
        s.counts[i]! += 1;
        s.sum += value;
        s.count += 1;
        s.used = true;
      },
    };
  }

  protected clear(s: HistogramSeries): void {
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
  }

  async get(): Promise<Exposed<BucketValue>> {
    const values: BucketValue[] = [];
    for (const s of this.used()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({
          value: cumulative,
          labels: { le, ...s.labels },
          metricName: `${this.name}_bucket`,
          exemplar: null,
        });
      });
      values.push(
        {
          value: s.count,
          labels: { le: '+Inf', ...s.labels },
          metricName: `${this.name}_bucket`,
          exemplar: null,
        },
        { value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` },
        { value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` },
      );
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }
}
