/**
 * A charts link and a runs-table link on a slow network, before/after pairs in one sitting:
 *   PAIR_SERVER_A=<older checkout> node --import tsx bench/_ui-slow-network-pair.ts <ui dist A> <ui dist B> [rounds]
 * Seeds 10 runs of one metric (100,000 steps each, bench/ui.ts) into one SQLite file, serves it
 * with A and B (bench/_ui-pair-servers.ts), then opens each link on each side in turn (a fresh
 * page, so an empty cache, each time; A first in odd rounds) with the network throttled through
 * CDP (SLOW_KBITS kbit/s each way, default 1,500, and SLOW_LATENCY_MS, default 40). Prints, from
 * navigation start (the page's clock): the charts link's first chart drawn and its app usable (the
 * still page gone and the app's Table/Charts switch there), the table link's first run row, and
 * the bytes the page received (transfer sizes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { call, launchBrowser, newPage } from '../test/ui/helpers.js';
import { percentile } from './machine.js';
import { seedHistories } from './ui.js';
import { startPairServers } from './_ui-pair-servers.js';

const [dirA, dirB, roundsArg] = process.argv.slice(2);
if (!dirA || !dirB) {
  process.stderr.write('usage: bench/_ui-slow-network-pair.ts <ui dist A> <ui dist B> [rounds]\n');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 7);
const KBITS = Number(process.env.SLOW_KBITS ?? 1_500);
const LATENCY_MS = Number(process.env.SLOW_LATENCY_MS ?? 40);

/** Notes in `__times` the first animation frame in which each milestone is on the page. */
const TIMELINE = `(() => {
  const times = (window.__times = {});
  const tick = () => {
    const chart = document.querySelector('[data-metric=loss] [data-testid=early-chart-canvas]') ?? document.querySelector('[data-metric=loss] [data-testid=chart-canvas]');
    if (times.drawn === undefined && chart && Number(chart.dataset.points) > 0 && chart.querySelector('canvas'))
      times.drawn = performance.now();
    if (times.usable === undefined && !document.querySelector('.early-page') && document.querySelector('[data-testid=view-table]'))
      times.usable = performance.now();
    if (times.row === undefined && document.querySelector('[data-testid=run-row]')) times.row = performance.now();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

interface Load {
  drawn?: number;
  usable?: number;
  row?: number;
  bytes: number;
}

async function open(page: Page, url: string, until: (keyof Load)[]): Promise<Load> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: LATENCY_MS,
    downloadThroughput: (KBITS * 1000) / 8,
    uploadThroughput: (KBITS * 1000) / 8,
  });
  // A browser on another machine reaches the server through a proxy that names it: the server
  // treats a direct client on its own machine differently (no compressed answers).
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': '192.0.2.1' });
  await page.addInitScript(TIMELINE);
  await page.goto(url);
  await page.evaluate(`(async () => {
    while (${JSON.stringify(until)}.some((k) => window.__times[k] === undefined))
      await new Promise((r) => setTimeout(r, 20));
  })()`);
  return page.evaluate<Load>(`(() => {
    const t = window.__times;
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return {
      drawn: t.drawn && Math.round(t.drawn),
      usable: t.usable && Math.round(t.usable),
      row: t.row && Math.round(t.row),
      bytes: entries.reduce((n, e) => n + (e.transferSize || 0), 0),
    };
  })()`);
}

const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-ui-slow-'));
const { a, b } = await startPairServers(tmp, dirA, dirB);
const browser = await launchBrowser();
try {
  const exp = (await call<{ experiment_id: string }>(a.url, 'POST', 'experiments/create', { name: 'slow' }))
    .experiment_id;
  const ids = await seedHistories(a.ctx.tracking, exp);
  const links = {
    charts: {
      path: `/experiments/${exp}?view=charts&sel=${ids.join(',')}&metrics=loss`,
      until: ['drawn', 'usable'],
    },
    table: { path: `/experiments/${exp}`, until: ['row'] },
  } as const;
  const sides = { A: a.url, B: b.url } as const;
  // One warm-up each (the first sampled request builds the summaries; the servers read the files).
  for (const base of Object.values(sides))
    for (const link of Object.values(links)) {
      const page = await newPage(browser);
      await open(page, base + link.path, [...link.until]);
      await page.context().close();
    }
  const load0 = loadavg()[0]!;
  const got: Record<string, Load[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const);
    for (const [name, link] of Object.entries(links))
      for (const side of order) {
        const page = await newPage(browser);
        (got[`${name} ${side}`] ??= []).push(await open(page, sides[side] + link.path, [...link.until]));
        await page.context().close();
      }
  }
  const load1 = loadavg()[0]!;
  const med = (v: number[]) => Math.round(percentile(v, 50));
  process.stdout.write(
    `network ${KBITS} kbit/s, ${LATENCY_MS} ms latency; ${ROUNDS} rounds; A ${dirA}${process.env.PAIR_SERVER_A ? ` (server ${process.env.PAIR_SERVER_A})` : ''}, B ${dirB}\n`,
  );
  for (const [name, link] of Object.entries(links))
    for (const measure of [...link.until, 'bytes'] as const) {
      const A = got[`${name} A`]!.map((x) => x[measure]!);
      const B = got[`${name} B`]!.map((x) => x[measure]!);
      const diffs = B.map((v, r) => v - A[r]!);
      process.stdout.write(
        `${name} ${measure}: A ${med(A)}, B ${med(B)}; B − A per round median ${med(diffs)} (${diffs.join(', ')})\n`,
      );
    }
  process.stdout.write(`load average ${load0.toFixed(1)} → ${load1.toFixed(1)}\n`);
} finally {
  await browser.close();
  await a.close();
  await b.close();
  await rm(tmp, { recursive: true, force: true });
}
