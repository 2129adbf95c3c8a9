/**
 * Replays all 564 exchanges recorded from a real MLflow 3.6 server against a fresh Cairn server
 * (proxied artifacts, root `mlflow-artifacts:/`), in order, on every database backend. Every
 * exchange must match status, JSON shape and normalized values, except the deviations listed in
 * ./golden/deviations.ts, which must answer the status given there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS } from '../helpers/backends.js';
import { startTestServer } from '../helpers/server.js';
import { loadGolden, Replayer } from './golden/replay.js';
import { deviationOf } from './golden/deviations.js';

const records = loadGolden();

for (const backend of BACKENDS) {
  test(
    `golden replay of ${records.length} MLflow 3.6 exchanges (${backend})`,
    { timeout: 300_000 },
    async () => {
      const server = await startTestServer(backend);
      try {
        const replayer = new Replayer(server.url);
        const failures: string[] = [];
        const deviationProblems: string[] = [];
        const matchingDeviations: string[] = [];
        let matched = 0;
        for (const rec of records) {
          const actual = await replayer.send(rec);
          const diffs = replayer.compare(rec, actual);
          const deviation = deviationOf(rec.name);
          if (!deviation) {
            if (diffs.length) failures.push(`${rec.name}: ${diffs.slice(0, 4).join('; ')}`);
            else matched += 1;
            continue;
          }
          if (!diffs.length) {
            matched += 1;
            matchingDeviations.push(rec.name);
          }
          if (deviation.status !== undefined && actual.status !== deviation.status) {
            deviationProblems.push(
              `${rec.name}: status ${actual.status}, expected ${deviation.status} (${deviation.reason}) ${actual.text.slice(0, 200)}`,
            );
            continue;
          }
          if (actual.status >= 500) deviationProblems.push(`${rec.name}: answered ${actual.status}`);
          if (deviation.after) await deviation.after(replayer, actual);
        }
        const summary = `golden replay (${backend}): ${matched}/${records.length} exchanges match the recording exactly`;
        process.stdout.write(`# ${summary}\n`);
        if (matchingDeviations.length) {
          process.stdout.write(
            `# deviations that now match (remove from the list): ${matchingDeviations.join(', ')}\n`,
          );
        }
        assert.deepEqual(failures, [], `${summary}; mismatches:\n${failures.join('\n')}`);
        assert.deepEqual(
          deviationProblems,
          [],
          `deviations answered wrongly:\n${deviationProblems.join('\n')}`,
        );
      } finally {
        await server.stop();
      }
    },
  );
}
