/**
 * get-history through the store on a long history, paged as MLflow's client pages it (25,000
 * points a page): one history whose timestamps follow its steps and one whose timestamps fall
 * back every other batch (out of step order: read by sorting), and one in step order of which
 * every 100th batch is sent twice in a row (a client retrying a call whose answer it lost); then
 * one of at most 50,000 points logged one per call, one call after another (a history of
 * one-point chunks, the most a read of chunks has to decode per point), paged again after one
 * sampled read (a chart) has merged its chunks.
 * Prints one JSON line per history: points, pages, milliseconds per page (median) and in all,
 * whether the history is flagged in step order, and the median time of a batch call, and of a
 * batch sent again.
 * Usage: node --import tsx bench/_history-pages.ts <sqlite|postgresql|mysql> [points]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from '../src/entities/tracking.js';
import { openDatabase } from '../src/store/sql/open-database.js';
import { upgradeSchema } from '../src/store/sql/migrations.js';
import { SqlTrackingStore } from '../src/store/sql/sql-tracking-store.js';
import { createTestDatabase, type BackendKind } from '../test/helpers/backends.js';

const kind = process.argv[2] as BackendKind;
const points = Number(process.argv[3] ?? 1_000_000);
const PAGE = 25_000;
const BATCH = 1000;
const SINGLE_POINTS = 50_000;

const dir = await mkdtemp(join(tmpdir(), 'cairn-history-pages-'));
const testDb = await createTestDatabase(kind, dir);
const db = openDatabase(testDb.uri);
await upgradeSchema(db);
const store = new SqlTrackingStore(db, { defaultArtifactRoot: 'mlflow-artifacts:/' });
await store.init();
try {
  const exp = await store.createExperiment('pages', undefined, []);
  const run = (
    await store.createRun({ experimentId: exp, userId: 'u', runName: 'r', startTime: 0, tags: [] })
  ).info.run_id;
  const median = (list: number[]): number =>
    list.length ? Number([...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!.toFixed(1)) : NaN;
  for (const [key, fallsBack, resends] of [
    ['ordered', false, false],
    ['unordered', true, false],
    ['resent', false, true],
    ['single', false, false],
  ] as const) {
    const calls: number[] = [];
    const again: number[] = [];
    const perCall = key === 'single' ? 1 : BATCH;
    const logged = key === 'single' ? Math.min(points, SINGLE_POINTS) : points;
    for (let b = 0; b < logged / perCall; b++) {
      const batch: Metric[] = [];
      for (let i = 0; i < perCall; i++) {
        const step = b * perCall + i;
        const ts = 1_700_000_000_000 + step - (fallsBack && b % 2 === 1 ? 10 * BATCH : 0);
        batch.push({ key, value: step * 0.5, timestamp: ts, step });
      }
      let t = performance.now();
      await store.logBatch(run, batch, [], []);
      calls.push(performance.now() - t);
      if (resends && b % 100 === 99) {
        t = performance.now();
        await store.logBatch(run, batch, [], []);
        again.push(performance.now() - t);
      }
    }
    const [flag] = await db.query(
      'SELECT in_step_order FROM latest_metrics WHERE run_uuid = ? AND metric_key = ?',
      [run, key],
    );
    const times: number[] = [];
    let token: string | undefined;
    let read = 0;
    const t0 = performance.now();
    do {
      const t = performance.now();
      const page = await store.getMetricHistory(run, key, PAGE, token);
      times.push(performance.now() - t);
      read += page.items.length;
      token = page.next_page_token;
    } while (token);
    const total = performance.now() - t0;
    // A chart's sampled read rebuilds the summaries, which merges one-point chunks: page again.
    let msPerPageAfterChart: number | undefined;
    if (key === 'single') {
      await store.getSampledMetricHistory({ runIds: [run], key, maxPoints: 1000 });
      const after: number[] = [];
      let next: string | undefined;
      do {
        const t = performance.now();
        const page = await store.getMetricHistory(run, key, PAGE, next);
        after.push(performance.now() - t);
        next = page.next_page_token;
      } while (next);
      msPerPageAfterChart = median(after);
    }
    process.stdout.write(
      `${JSON.stringify({
        kind,
        history: key,
        points: read,
        pages: times.length,
        msPerPage: median(times),
        msPerPageAfterChart,
        msInAll: Math.round(total),
        inStepOrder: Number(flag?.in_step_order) !== 0,
        pointsPerCall: perCall,
        msPerCall: median(calls),
        msPerBatchSentAgain: median(again),
        load: Number(loadavg()[0]!.toFixed(1)),
      })}\n`,
    );
  }
} finally {
  await store.close();
  await db.close();
  await testDb.drop();
  await rm(dir, { recursive: true, force: true });
}
