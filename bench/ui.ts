/**
 * UI benchmark (issue: web UI), in headless Chromium against a real server on SQLite:
 *   - an experiment of 10,000 runs (5 params, 5 metrics, 3 tags each) opens with the table
 *     interactive (rows drawn and a click answered) — target ≤ 2 s;
 *   - a chart of 10 runs × 100,000 steps renders — target ≤ 1 s;
 *   - frame times while scrolling the 10,000-run table (p50 / p95 / max);
 *   - a realistic sweep (303 runs: 3 parents × 100 nested children, 6 metrics × up to 2,000 steps,
 *     artifacts, a registered model; see _ui-sweep.ts): time to its first rows, and to the charts
 *     of all 303 runs drawn in every panel.
 * Data is written through the tracking service in-process (createRun + logBatch, the code behind
 * the REST API), 1,000 metric points per batch. BENCH_UI_RUNS / BENCH_UI_STEPS override the sizes.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { machineLine, percentile } from './machine.js';
import { startServer } from '../src/server/server.js';
import { defaultServerConfig } from '../src/config/server-config.js';
import { call, ensureUiBuilt, launchBrowser, newPage, parallel } from '../test/ui/helpers.js';
import type { TrackingService } from '../src/tracking/tracking-service.js';
import { seedSweep, SWEEP_METRICS, SWEEP_PARENTS, SWEEP_CHILDREN, SWEEP_MAX_STEPS } from './_ui-sweep.js';

const RUNS = Number(process.env.BENCH_UI_RUNS ?? 10_000);
const CHART_RUNS = 10;
const STEPS = Number(process.env.BENCH_UI_STEPS ?? 100_000);
const REPEAT = 5;
/** The sweep's measurements are slower (303 runs charted); fewer repeats. */
const SWEEP_REPEAT = 3;

const ms = (n: number) => `${Math.round(n)} ms`;
const median = (v: number[]) => percentile(v, 50);

/** The 10,000 runs are written through the tracking service in-process (same code as the API). */
async function seedRuns(tracking: TrackingService, experimentId: string): Promise<void> {
  const t0 = Date.now() - RUNS * 1000;
  await parallel(
    4,
    Array.from({ length: RUNS }, (_x, i) => i),
    async (i) => {
      const run = await tracking.createRun({
        experimentId,
        runName: `run-${i}`,
        startTime: t0 + i * 1000,
        tags: [
          { key: 'mlflow.user', value: `user-${i % 7}` },
          { key: 'mlflow.source.name', value: `train_${i % 3}.py` },
          { key: 'team', value: i % 2 ? 'vision' : 'nlp' },
        ],
      });
      const runId = run.info.run_id;
      await tracking.logBatch(
        runId,
        Array.from({ length: 5 }, (_m, k) => ({
          key: `m${k}`,
          value: Math.sin(i + k),
          timestamp: t0 + i * 1000,
          step: 0,
        })),
        Array.from({ length: 5 }, (_p, k) => ({ key: `p${k}`, value: String((i * (k + 3)) % 97) })),
        [],
      );
      await tracking.updateRun(runId, { status: 'FINISHED', endTime: t0 + i * 1000 + 60_000 + i });
    },
  );
}

export async function seedHistories(tracking: TrackingService, experimentId: string): Promise<string[]> {
  const ids: string[] = [];
  const t0 = Date.now();
  for (let r = 0; r < CHART_RUNS; r++) {
    ids.push((await tracking.createRun({ experimentId, runName: `long-${r}`, startTime: t0 })).info.run_id);
  }
  const batches: [string, number, number][] = [];
  ids.forEach((id, r) => {
    for (let s = 0; s < STEPS; s += 1000) batches.push([id, r, s]);
  });
  await parallel(4, batches, async ([id, r, s]) => {
    const metrics = [];
    for (let i = s; i < Math.min(STEPS, s + 1000); i++) {
      metrics.push({
        key: 'loss',
        // Each run a little higher than the previous one, so that all ten lines can be seen (and
        // checked) on the canvas: downsampled, each line is a band as high as the wave.
        value: Math.exp(-i / 20000) + 0.05 * Math.sin(i / 50) + 0.12 * r,
        timestamp: t0 + i * 10,
        step: i,
      });
    }
    await tracking.logBatch(id, metrics, [], []);
  });
  for (const id of ids) await tracking.updateRun(id, { status: 'FINISHED', endTime: t0 + STEPS * 10 });
  return ids;
}

/**
 * Waits, checking once per animation frame in the page, until the JavaScript expression
 * `condition` is true. (The UI's Content-Security-Policy forbids eval, which Playwright's
 * waitForFunction with a string needs; an evaluated expression is not affected.)
 */
async function waitInPage(page: Page, condition: string, timeoutMs = 30_000): Promise<void> {
  await page.evaluate(`(async () => {
    const t0 = performance.now();
    for (;;) {
      if (${condition}) return;
      if (performance.now() - t0 > ${timeoutMs}) throw new Error('timed out waiting for ' + ${JSON.stringify(condition)});
      await new Promise((r) => requestAnimationFrame(r));
    }
  })()`);
}

/** Navigation → first row drawn → a checkbox click answered (selection bar shown). */
interface Split {
  /** Duration of the API request (network + server), ms. */
  request: number;
  /** From the response's last byte to the view drawn (parse, render, paint), ms. */
  client: number;
}

/** Splits a view's load time at the API response that fed it (Resource Timing of the page). */
async function split(page: Page, urlPart: string): Promise<Split> {
  return page.evaluate(`(() => {
    const now = performance.now();
    const e = performance.getEntriesByType('resource').filter((r) => r.name.includes(${JSON.stringify(urlPart)})).pop();
    return e ? { request: e.responseEnd - e.startTime, client: now - e.responseEnd } : { request: NaN, client: NaN };
  })()`);
}

async function openTable(
  page: Page,
  url: string,
): Promise<{ rows: number; interactive: number; click: number } & Split> {
  const start = Date.now();
  await page.goto(url);
  await waitInPage(page, `document.querySelector('[data-testid=run-row]') !== null`);
  const rows = Date.now() - start;
  const parts = await split(page, 'runs/search');
  // A real click on the first row's checkbox, timed in the page until the selection bar shows.
  const clickMs = await page.evaluate<number>(`(async () => {
    const t = performance.now();
    document.querySelector('[data-testid=run-row] input[type=checkbox]').click();
    while (!document.querySelector('[data-testid=selection-bar]')) await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - t;
  })()`);
  return { rows, interactive: rows + clickMs, click: clickMs, ...parts };
}

/** Navigation → chart drawn, with when the history was asked for and the CPU it took. */
export interface ChartLoad {
  ms: number;
  /** The get-history-sampled request: sent and answered, ms after navigation start (Resource Timing). */
  sent: number;
  answered: number;
  /** CPU of this process (the server, in-process) over the navigation, ms. */
  serverCpu: number;
  /** The page's main-thread task time (CDP TaskDuration), ms. */
  pageCpu: number;
  /** Whether the chart was first drawn before the app had started (early-plot.ts). */
  early: boolean;
}

/**
 * The loss chart is drawn: its canvas holds points. That canvas is the app's panel, or the panel a
 * charts link draws before the app has started (early-plot.ts), which the app later takes over.
 */
const LOSS_DRAWN = `(() => {
  const el = document.querySelector('[data-metric=loss] [data-testid=early-chart-canvas]') ?? document.querySelector('[data-metric=loss] [data-testid=chart-canvas]');
  return el && Number(el.dataset.points) > 0 && el.querySelector('canvas');
})()`;

/** The charts' run colours, in order: the PALETTE of ui/src/pages/charts/chart-data.ts (not compiled for Node). */
const PALETTE = (/PALETTE = \[([^\]]*)\]/
  .exec(readFileSync(new URL('../ui/src/pages/charts/chart-data.ts', import.meta.url), 'utf8'))?.[1]
  ?.match(/#[0-9a-f]{6}/gi) ?? []) as string[];

/** How many of the runs' line colours (PALETTE order, as charted) are on the drawn loss canvas. */
async function runColoursDrawn(page: Page): Promise<number> {
  return page.evaluate<number>(`(() => {
    const el = document.querySelector('[data-metric=loss] [data-testid=early-chart-canvas]') ?? document.querySelector('[data-metric=loss] [data-testid=chart-canvas]');
    const canvas = el.querySelector('canvas');
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = ${JSON.stringify(PALETTE.slice(0, CHART_RUNS))}.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
    const seen = colours.map(() => 0);
    for (let i = 0; i < px.length; i += 4)
      colours.forEach(([r, g, b], k) => {
        if (Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b) < 24 && px[i + 3] > 200) seen[k]++;
      });
    return seen.filter((n) => n >= 20).length;
  })()`);
}

export async function chartTime(page: Page, url: string): Promise<ChartLoad> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  await page.goto(url);
  await waitInPage(page, LOSS_DRAWN);
  const ms = Date.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const early = await page.evaluate<boolean>(
    `document.querySelector('[data-metric=loss] [data-testid=early-chart-canvas]') !== null`,
  );
  const colours = await runColoursDrawn(page);
  if (colours < CHART_RUNS)
    throw new Error(`chart "drawn" with only ${colours} of ${CHART_RUNS} runs' lines`);
  const request = await page.evaluate<{ sent: number; answered: number }>(`(() => {
    const e = performance.getEntriesByType('resource').find((r) => r.name.includes('get-history-sampled'));
    return e ? { sent: e.startTime, answered: e.responseEnd } : { sent: NaN, answered: NaN };
  })()`);
  return { ms, ...request, serverCpu: (cpu.user + cpu.system) / 1000, pageCpu: await pageTaskMs(cdp), early };
}

/** The page's main-thread task time over its life so far (Performance.enable'd session), ms. */
async function pageTaskMs(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN) * 1000;
}

/** In-app switch from table to charts (page already loaded): fetch + draw only. */
async function chartSwitchTime(page: Page, tableUrl: string): Promise<{ total: number } & Split> {
  await page.goto(tableUrl);
  await page.locator('[data-testid=run-row]').first().waitFor();
  const start = Date.now();
  await page.click('[data-testid=view-charts]');
  await waitInPage(
    page,
    `(() => { const el = document.querySelector('[data-metric=loss] [data-testid=chart-canvas]'); return el && Number(el.dataset.points) > 0; })()`,
  );
  const total = Date.now() - start;
  return { total, ...(await split(page, 'get-history-sampled')) };
}

/** Navigation → the charts of every selected run drawn in all panels (none showing an error). */
async function allChartsTime(page: Page, url: string, panels: number): Promise<SweepCharts> {
  let requests = 0;
  page.on('request', (r) => {
    if (r.url().includes('get-history-sampled')) requests++;
  });
  // CPU next to wall time: the server's (in this process) and the page's main thread (CDP).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  await page.goto(url);
  const drawnPanels = `[...document.querySelectorAll('[data-testid=metric-chart] [data-testid=chart-canvas]')].filter((el) => Number(el.dataset.points) > 0 && el.querySelector('canvas')).length`;
  const noError = `(() => { const e = document.querySelector('[data-testid=metric-chart] .error'); if (e) throw new Error(e.textContent); return true; })()`;
  await waitInPage(page, `${noError} && ${drawnPanels} > 0`, 300_000);
  const first = Date.now() - start;
  await waitInPage(
    page,
    `(() => {
      const error = document.querySelector('[data-testid=metric-chart] .error');
      if (error) throw new Error(error.textContent);
      const drawn = [...document.querySelectorAll('[data-testid=metric-chart] [data-testid=chart-canvas]')]
        .filter((el) => Number(el.dataset.points) > 0 && el.querySelector('canvas'));
      return drawn.length >= ${panels};
    })()`,
    300_000,
  );
  const ms = Date.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return {
    first,
    ms,
    requests,
    serverCpu: (cpu.user + cpu.system) / 1000,
    pageCpu: await pageTaskMs(cdp),
  };
}

interface SweepCharts {
  first: number;
  ms: number;
  requests: number;
  /** CPU of this process (the server, in-process) from navigation to all panels drawn, ms. */
  serverCpu: number;
  /** The page's main-thread task time over its life (parse, scripts, layout, paint), ms. */
  pageCpu: number;
}

async function scrollFrames(page: Page): Promise<number[]> {
  return page.evaluate(`(async () => {
    const el = document.querySelector('[data-testid=runs-table]');
    const times = [];
    let last = performance.now();
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
      el.scrollTop += 150;
    }
    return times;
  })()`);
}

export async function run(): Promise<string> {
  const uiDir = ensureUiBuilt();
  const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-ui-'));
  const server = await startServer(
    defaultServerConfig({
      port: 0,
      backendStoreUri: `sqlite:///${join(tmp, 'bench.db')}`,
      artifactsDestination: join(tmp, 'artifacts'),
      uiDir,
      log: { level: 'warn', format: 'json' },
    }),
  );
  const base = server.url;
  const browser = await launchBrowser();
  try {
    const big = (
      await call<{ experiment_id: string }>(base, 'POST', 'experiments/create', { name: 'ui-bench-runs' })
    ).experiment_id;
    let t = Date.now();
    await seedRuns(server.ctx.tracking, big);
    const seedRunsMs = Date.now() - t;
    const long = (
      await call<{ experiment_id: string }>(base, 'POST', 'experiments/create', { name: 'ui-bench-charts' })
    ).experiment_id;
    t = Date.now();
    const ids = await seedHistories(server.ctx.tracking, long);
    const seedHistMs = Date.now() - t;

    const loadBefore = loadavg()[0]!;
    const tableUrl = `${base}/experiments/${big}`;
    const opens: ({ rows: number; interactive: number; click: number } & Split)[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const page = await newPage(browser);
      opens.push(await openTable(page, tableUrl));
      await page.context().close();
    }

    const scrollPage = await newPage(browser);
    await scrollPage.goto(tableUrl);
    await scrollPage.locator('[data-testid=run-row]').first().waitFor();
    await scrollPage.waitForTimeout(500);
    const frames = await scrollFrames(scrollPage);
    const loaded = (await scrollPage.textContent('[data-testid=runs-count]')) ?? '';
    await scrollPage.context().close();

    const sel = ids.join(',');
    const chartUrl = `${base}/experiments/${long}?view=charts&sel=${sel}&metrics=loss`;
    const charts: ChartLoad[] = [];
    const switches: ({ total: number } & Split)[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const page = await newPage(browser);
      charts.push(await chartTime(page, chartUrl));
      switches.push(await chartSwitchTime(page, `${base}/experiments/${long}?sel=${sel}&metrics=loss`));
      await page.context().close();
    }
    const q = new URLSearchParams({ metric_key: 'loss', max_points: '1000' });
    for (const id of ids) q.append('run_ids', id);
    const apiTimes: number[] = [];
    let apiPoints = 0;
    for (let i = 0; i < REPEAT; i++) {
      const s = performance.now();
      const res = (await (
        await fetch(`${base}/ajax-api/2.0/mlflow/metrics/get-history-sampled?${q}`)
      ).json()) as { metrics: unknown[] };
      apiTimes.push(performance.now() - s);
      apiPoints = res.metrics.length;
    }

    // The sweep: first rows, then the charts of all 303 runs (every panel drawn; the viewport is
    // tall enough for the six panels, which mount only when near the screen).
    t = Date.now();
    const sweep = await seedSweep(base, server.ctx.tracking);
    const seedSweepMs = Date.now() - t;
    const sweepRows: number[] = [];
    const sweepCharts: SweepCharts[] = [];
    for (let i = 0; i < SWEEP_REPEAT; i++) {
      const page = await newPage(browser);
      const s0 = Date.now();
      await page.goto(`${base}/experiments/${sweep.experimentId}`);
      await waitInPage(page, `document.querySelector('[data-testid=run-row]') !== null`);
      sweepRows.push(Date.now() - s0);
      await page.context().close();
      const chartsPage = await newPage(browser);
      await chartsPage.setViewportSize({ width: 1440, height: 1800 });
      sweepCharts.push(
        await allChartsTime(
          chartsPage,
          `${base}/experiments/${sweep.experimentId}?view=charts&sel=${sweep.runIds.join(',')}`,
          SWEEP_METRICS.length,
        ),
      );
      await chartsPage.context().close();
    }

    const loadAfter = loadavg()[0]!;
    const rowsMed = median(opens.map((o) => o.rows));
    const interMed = median(opens.map((o) => o.interactive));
    const chartMed = median(charts.map((c) => c.ms));
    return [
      '## UI',
      '',
      `Machine: ${machineLine()}. Headless Chromium (${await browser.version()}), 1440×900, server in-process on SQLite.`,
      `Data: ${RUNS.toLocaleString('en-US')} runs × (5 params, 5 metrics, 3 tags) created via the tracking service (createRun + logBatch) in ${(seedRunsMs / 1000).toFixed(1)} s;`,
      `${CHART_RUNS} runs × ${STEPS.toLocaleString('en-US')} steps of one metric via logBatch (1,000 points per call) in ${(seedHistMs / 1000).toFixed(1)} s.`,
      `1-minute load average on this 2-core machine: ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after the measurements (other processes were running).`,
      '',
      '| measure | median | all runs | target |',
      '|---|---|---|---|',
      `| open ${RUNS.toLocaleString('en-US')}-run experiment: navigation → first rows drawn | ${ms(rowsMed)} | ${opens.map((o) => o.rows).join(', ')} | |`,
      `| open ${RUNS.toLocaleString('en-US')}-run experiment: navigation → table interactive (first rows drawn + a checkbox click answered) | ${ms(interMed)} | ${opens.map((o) => Math.round(o.interactive)).join(', ')} | ≤ 2 s ${interMed <= 2000 ? '✅' : '❌'} |`,
      `| … click on a row checkbox → selection bar shown | ${ms(median(opens.map((o) => o.click)))} | ${opens.map((o) => Math.round(o.click)).join(', ')} | |`,
      `| … of which the first runs/search request (200 runs; network + server) | ${ms(median(opens.map((o) => o.request)))} | ${opens.map((o) => Math.round(o.request)).join(', ')} | |`,
      `| … of which the UI after the runs arrived (parse, render, paint) | ${ms(median(opens.map((o) => o.client)))} | ${opens.map((o) => Math.round(o.client)).join(', ')} | |`,
      `| chart ${CHART_RUNS} runs × ${STEPS.toLocaleString('en-US')} steps: navigation → chart drawn | ${ms(chartMed)} | ${charts.map((c) => c.ms).join(', ')} | ≤ 1 s ${chartMed <= 1000 ? '✅' : '❌'} |`,
      `| … its get-history-sampled request sent, ms after navigation start | ${ms(median(charts.map((c) => c.sent)))} | ${charts.map((c) => Math.round(c.sent)).join(', ')} | |`,
      `| … and answered (last byte), ms after navigation start | ${ms(median(charts.map((c) => c.answered)))} | ${charts.map((c) => Math.round(c.answered)).join(', ')} | |`,
      `| … page main-thread CPU (CDP TaskDuration) | ${ms(median(charts.map((c) => c.pageCpu)))} | ${charts.map((c) => Math.round(c.pageCpu)).join(', ')} | |`,
      `| … server CPU (in-process) over the navigation | ${ms(median(charts.map((c) => c.serverCpu)))} | ${charts.map((c) => Math.round(c.serverCpu)).join(', ')} | |`,
      `| same chart, in-app switch Table → Charts → chart drawn | ${ms(median(switches.map((x) => x.total)))} | ${switches.map((x) => x.total).join(', ')} | |`,
      `| … of which the get-history-sampled request (network + server) | ${ms(median(switches.map((x) => x.request)))} | ${switches.map((x) => Math.round(x.request)).join(', ')} | |`,
      `| … of which the UI after the data arrived (parse, build series, uPlot draw) | ${ms(median(switches.map((x) => x.client)))} | ${switches.map((x) => Math.round(x.client)).join(', ')} | |`,
      `| get-history-sampled for those 10 runs (max_points=1000 → ${apiPoints.toLocaleString('en-US')} points) | ${ms(median(apiTimes))} | ${apiTimes.map((x) => Math.round(x)).join(', ')} | |`,
      `| sweep of ${sweep.runIds.length} runs: navigation → first rows drawn | ${ms(median(sweepRows))} | ${sweepRows.join(', ')} | |`,
      `| sweep: charts of all ${sweep.runIds.length} runs, navigation → first panel drawn | ${ms(median(sweepCharts.map((c) => c.first)))} | ${sweepCharts.map((c) => c.first).join(', ')} | ≤ 2 s ${median(sweepCharts.map((c) => c.first)) <= 2000 ? '✅' : '❌'} |`,
      `| sweep: charts of all ${sweep.runIds.length} runs, navigation → all ${SWEEP_METRICS.length} panels drawn (${sweepCharts[0]!.requests} get-history-sampled requests) | ${ms(median(sweepCharts.map((c) => c.ms)))} | ${sweepCharts.map((c) => c.ms).join(', ')} | ≤ 5 s ${median(sweepCharts.map((c) => c.ms)) <= 5000 ? '✅' : '❌'} |`,
      `| … server CPU (in-process) over that time | ${ms(median(sweepCharts.map((c) => c.serverCpu)))} | ${sweepCharts.map((c) => Math.round(c.serverCpu)).join(', ')} | |`,
      `| … page main-thread CPU (CDP TaskDuration) | ${ms(median(sweepCharts.map((c) => c.pageCpu)))} | ${sweepCharts.map((c) => Math.round(c.pageCpu)).join(', ')} | |`,
      '',
      `Sweep: ${SWEEP_PARENTS} parent runs × ${SWEEP_CHILDREN} nested children, 4 params, ${SWEEP_METRICS.length} metrics × 500–${SWEEP_MAX_STEPS.toLocaleString('en-US')} steps (${sweep.points.toLocaleString('en-US')} points), 2 artifacts per child, 1 registered model version; seeded in ${(seedSweepMs / 1000).toFixed(1)} s. Charts at 1440×1800 so that all six panels are mounted.`,
      '',
      `Table scroll (${frames.length} animation frames scrolling 150 px each, infinite scroll loading pages meanwhile; ${loaded.replace(' — scroll for more', '')} at the end):`,
      `frame time p50 ${percentile(frames, 50).toFixed(1)} ms, p95 ${percentile(frames, 95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms;`,
      `${frames.filter((f) => f > 50).length} frames over 50 ms.`,
      '',
    ].join('\n');
  } finally {
    await browser.close();
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((s) => process.stdout.write(`${s}\n`));
}
