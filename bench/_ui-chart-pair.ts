/**
 * Before/after pairs for the UI's long-history chart, measured interleaved in one sitting:
 *   node --import tsx bench/_ui-chart-pair.ts <ui dist A> <ui dist B> [pairs]
 * Seeds 10 runs × 100,000 steps of one metric into one SQLite file, serves it with two in-process
 * servers (one per built UI), then opens the charts link alternately on each (a fresh page each
 * time, A first in odd pairs, B first in even ones) and prints navigation → chart drawn per side,
 * with when the history request was sent and answered and the page's main-thread CPU.
 * "Drawn" is the benchmark's definition (bench/ui.ts): the loss panel's canvas holds points, and
 * after the timing the canvas is checked to show the colour of each of the 10 runs.
 * PAIR_SERVER_A=<checkout> serves A with that checkout's server code (e.g. /work/main: before and
 * after a server change too); both servers run in this process either way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPairServers } from './_ui-pair-servers.js';
import { call, launchBrowser, newPage } from '../test/ui/helpers.js';
import { percentile } from './machine.js';
import { seedHistories, chartTime, type ChartLoad } from './ui.js';

const [dirA, dirB, pairsArg] = process.argv.slice(2);
if (!dirA || !dirB) {
  process.stderr.write('usage: bench/_ui-chart-pair.ts <ui dist A> <ui dist B> [pairs]\n');
  process.exit(2);
}
const PAIRS = Number(pairsArg ?? 7);

const tmp = await mkdtemp(join(tmpdir(), 'cairn-bench-ui-pair-'));
const { a, b } = await startPairServers(tmp, dirA, dirB);
const browser = await launchBrowser();
try {
  const exp = (await call<{ experiment_id: string }>(a.url, 'POST', 'experiments/create', { name: 'pair' }))
    .experiment_id;
  const ids = await seedHistories(a.ctx.tracking, exp);
  const path = `/experiments/${exp}?view=charts&sel=${ids.join(',')}&metrics=loss`;
  const sides = { A: a.url, B: b.url } as const;
  // One warm-up each (the first sampled request builds the summaries).
  for (const base of Object.values(sides)) {
    const page = await newPage(browser);
    await chartTime(page, base + path);
    await page.context().close();
  }
  const load0 = loadavg()[0]!;
  const got: Record<'A' | 'B', ChartLoad[]> = { A: [], B: [] };
  for (let i = 0; i < PAIRS; i++) {
    const order: ('A' | 'B')[] = i % 2 ? ['B', 'A'] : ['A', 'B'];
    for (const side of order) {
      const page = await newPage(browser);
      got[side].push(await chartTime(page, sides[side] + path));
      await page.context().close();
    }
  }
  const load1 = loadavg()[0]!;
  const med = (v: number[]) => Math.round(percentile(v, 50));
  for (const side of ['A', 'B'] as const) {
    const c = got[side];
    process.stdout.write(
      `${side} ${side === 'A' ? dirA : dirB}${side === 'A' && process.env.PAIR_SERVER_A ? ` (server: ${process.env.PAIR_SERVER_A})` : ''}\n` +
        `  drawn ${med(c.map((x) => x.ms))} ms median (${c.map((x) => x.ms).join(', ')}); ` +
        `${c.filter((x) => x.early).length} of ${c.length} first drawn before the app started\n` +
        `  request sent ${med(c.map((x) => x.sent))} ms, answered ${med(c.map((x) => x.answered))} ms; ` +
        `page main-thread CPU ${med(c.map((x) => x.pageCpu))} ms\n`,
    );
  }
  const diffs = got.B.map((x, i) => x.ms - got.A[i]!.ms);
  process.stdout.write(
    `B − A per pair: median ${med(diffs)} ms (${diffs.join(', ')})\n` +
      `load average ${load0.toFixed(1)} → ${load1.toFixed(1)}, ${PAIRS} pairs\n`,
  );
} finally {
  await browser.close();
  await a.close();
  await b.close();
  await rm(tmp, { recursive: true, force: true });
}
