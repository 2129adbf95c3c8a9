import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { BACKENDS } from '../helpers/backends.js';
import { openDatabase } from '../../src/store/sql/open-database.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';

const writer = fileURLToPath(new URL('./fixtures/ack-writer.ts', import.meta.url));

// The embedded default: group-committed SQLite writes must survive a killed server process.
describe('acknowledged writes survive SIGKILL (sqlite)', { skip: !BACKENDS.includes('sqlite') }, () => {
  it('keeps every acknowledged point after the writer is killed mid-stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-durable-'));
    const uri = `sqlite:///${join(dir, 'store.db')}`;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, uri], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let runId = '';
      const acked: number[] = [];
      let buffer = '';
      // A writer whose output never arrives must end the test, not hang it.
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, 60_000);
      await new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          clearTimeout(deadline);
          if (timedOut) reject(new Error(`writer acknowledged ${acked.length} points in 60 s`));
          else if (signal === 'SIGKILL') resolve();
          else reject(new Error(`writer exited ${code}`));
        });
        child.stdout!.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop()!;
          for (const line of lines) {
            if (line.startsWith('run ')) runId = line.slice(4);
            else acked.push(Number(line));
          }
          if (acked.length >= 2000 && !child.killed) child.kill('SIGKILL');
        });
      });
      assert.ok(runId && acked.length >= 2000);
      const db = openDatabase(uri);
      try {
        const store = new SqlTrackingStore(db, { defaultArtifactRoot: 'mlflow-artifacts:/' });
        const stored = new Set(
          (await store.getMetricHistory(runId, 'acked', undefined)).items.map((m) => m.step),
        );
        const lost = acked.filter((s) => !stored.has(s));
        assert.deepEqual(lost, [], `${lost.length} acknowledged points lost`);
      } finally {
        await db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
