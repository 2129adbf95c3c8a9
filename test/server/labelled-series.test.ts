/**
 * The request and store-call series (src/observability/labelled-series.ts) expose exactly what
 * prom-client's own Counter and Histogram expose for the same recordings: text format, JSON for
 * the cluster aggregation, reset, and refusal of a wrong label set.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from '../../src/observability/labelled-series.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const def = (registers: Registry[]) => ({
    counter: {
      name: 'x_requests_total',
      help: 'Requests.',
      labelNames: ['method', 'route', 'status'],
      registers,
    },
    histogram: {
      name: 'x_duration_seconds',
      help: 'Durations.',
      labelNames: ['method', 'route'],
      buckets: BUCKETS,
      registers,
    },
  });
  return {
    theirs,
    ours,
    theirCounter: new Counter(def([theirs]).counter),
    theirHistogram: new Histogram(def([theirs]).histogram),
    ourCounter: new SeriesCounter(def([ours]).counter),
    ourHistogram: new SeriesHistogram(def([ours]).histogram),
  };
}

describe('labelled series', () => {
  it('expose what prom-client exposes for the same recordings', async () => {
    const p = pair();
    // Values on, just below and just above bucket bounds, beyond the last, and zero.
    const values = [0, 0.001, 0.0010001, 0.0025, 0.003, 0.7, 1, 9.99, 10, 11, 250, 0.0249999];
    const series: [string, string, string][] = [
      ['POST', '/api/2.0/mlflow/runs/log-metric', '200'],
      ['GET', '/api/2.0/mlflow/experiments/get', '404'],
      ['GET', 'unmatched', '404'],
    ];
    for (const [i, [method, route, status]] of series.entries()) {
      const theirs = {
        c: p.theirCounter.labels({ method, route, status }),
        h: p.theirHistogram.labels({ method, route }),
      };
      // Label names given in another order than declared: the exposition keeps the declared one.
      const ours = {
        c: p.ourCounter.series({ status, route, method }),
        h: p.ourHistogram.series({ route, method }),
      };
      for (const v of values.slice(i)) {
        theirs.c.inc();
        theirs.h.observe(v);
        ours.c.inc();
        ours.h.observe(v);
      }
    }
    assert.equal(await p.ours.metrics(), await p.theirs.metrics());
    assert.deepEqual(
      JSON.parse(JSON.stringify(await p.ours.getMetricsAsJSON())),
      JSON.parse(JSON.stringify(await p.theirs.getMetricsAsJSON())),
    );
    // Summed across worker processes as prom-client's own are.
    const theirsTwice = AggregatorRegistry.aggregate([
      await p.theirs.getMetricsAsJSON(),
      await p.theirs.getMetricsAsJSON(),
    ]);
    const oursTwice = AggregatorRegistry.aggregate([
      (await p.ours.getMetricsAsJSON()) as never,
      (await p.ours.getMetricsAsJSON()) as never,
    ]);
    assert.equal(await oursTwice.metrics(), await theirsTwice.metrics());

    // After a reset, series appear again once recorded, through the series already handed out.
    p.theirs.resetMetrics();
    p.ours.resetMetrics();
    assert.equal(await p.ours.metrics(), await p.theirs.metrics());
    p.theirHistogram.labels({ method: 'GET', route: 'unmatched' }).observe(0.02);
    p.ourHistogram.series({ method: 'GET', route: 'unmatched' }).observe(0.02);
    assert.equal(await p.ours.metrics(), await p.theirs.metrics());
  });

  it('refuses a wrong label set and a value that is not a number', () => {
    const p = pair();
    assert.throws(() => p.ourCounter.series({ method: 'GET', route: '/x' }), /label 'status' is missing/);
    assert.throws(
      () => p.ourHistogram.series({ method: 'GET', route: '/x', status: '200' }),
      /labels must be exactly method, route/,
    );
    assert.throws(
      () => p.ourHistogram.series({ method: 'GET', route: '/x' }).observe(NaN),
      /not a valid number/,
    );
  });
});
