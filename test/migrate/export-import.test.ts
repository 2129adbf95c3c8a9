/**
 * `cairn export` → `cairn import` between backends (SQLite → PostgreSQL → MySQL → SQLite with all
 * three enabled): every entity and every metric point compared through the REST API of a server
 * on each side; a second import changes nothing; a damaged file fails only its run, and the next
 * import continues with it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportDump } from '../../src/migrate/dump-writer.js';
import { DumpSource } from '../../src/migrate/dump-source.js';
import { runImport } from '../../src/migrate/importer.js';
import type { DumpManifest } from '../../src/migrate/dump-format.js';
import { BACKENDS } from '../helpers/backends.js';
import { newInstallation, ok, seed, snapshot, type Installation, type Json } from './fixtures.js';

/** Each installation creates its own default experiment "0": its timestamps are its own. */
function comparable(s: Json): Json {
  return {
    ...s,
    experiments: s.experiments.map((e: Json) =>
      e.experiment_id === '0' ? { ...e, creation_time: 0, last_update_time: 0 } : e,
    ),
  };
}

const pairs = BACKENDS.map((from, i) => [from, BACKENDS[(i + 1) % BACKENDS.length]!] as const);

async function importDir(dir: string, target: Installation) {
  const stores = await target.stores();
  const source = await DumpSource.open(dir);
  try {
    return await runImport(source, stores.target);
  } finally {
    await source.close();
    await stores.close();
  }
}

for (const [from, to] of pairs) {
  describe(`export from ${from}, import into ${to}`, () => {
    let src: Installation;
    let dst: Installation;
    let expected: Json;
    let dir: string;
    let run1: string;

    before(async () => {
      src = await newInstallation(from);
      dst = await newInstallation(to);
      const base = await src.start();
      ({ run1 } = await seed(base));
      expected = await snapshot(base);
      await src.stopServer();
      dir = join(src.tmpDir, 'export');
    });
    after(async () => {
      await src?.destroy();
      await dst?.destroy();
    });

    test('the export holds every entity, with counts and checksums in its manifest', async () => {
      const stores = await src.stores();
      const report = await exportDump(stores.source, dir).finally(() => stores.close());
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DumpManifest;
      assert.equal(manifest.format, 'cairn-export');
      assert.equal(manifest.version, 1);
      assert.equal(manifest.counts.runs, expected.runs.length);
      assert.equal(manifest.counts['metric points'], expected.points);
      assert.equal(manifest.counts['registered models'], 2);
      assert.equal(manifest.counts['model versions'], 3);
      assert.equal(manifest.counts['artifact files'], 3);
      assert.equal(manifest.counts['logged model metric points'], 2);
      assert.equal(report.count('experiments'), expected.experiments.length);
      const paths = manifest.files.map((f) => f.path);
      assert.ok(paths.includes(`runs/${run1}/artifacts/notes/readme.txt`));
      assert.ok(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)));
      // Refuses to write into a folder that is not empty.
      const again = await src.stores();
      await assert.rejects(
        exportDump(again.source, dir).finally(() => again.close()),
        /not empty/,
      );
    });

    test('the import restores every entity and every metric point, ids and timestamps kept', async () => {
      const report = await importDir(dir, dst);
      assert.deepEqual(report.failures, []);
      assert.equal(report.count('runs'), expected.runs.length);
      assert.equal(report.count('metric points'), expected.points);
      // The default experiment "0" is there already and is skipped, not overwritten.
      assert.equal(report.count('experiments'), expected.experiments.length - 1);
      const base = await dst.start();
      const actual = await snapshot(base);
      assert.deepEqual(comparable(actual), comparable(expected));
      await dst.stopServer();
    });

    test('importing again writes nothing and reports everything as already imported', async () => {
      const report = await importDir(dir, dst);
      assert.deepEqual(report.failures, []);
      for (const kind of [
        'experiments',
        'runs',
        'metric points',
        'logged models',
        'registered models',
        'model versions',
      ] as const) {
        assert.equal(report.count(kind), 0, kind);
      }
      assert.equal(report.skipped('runs'), expected.runs.length);
      assert.match(report.format(), /already imported/);
      const base = await dst.start();
      const actual = await snapshot(base);
      assert.deepEqual(comparable(actual), comparable(expected));
      await dst.stopServer();
    });

    test('after an import, new experiments and versions get ids after the imported ones', async () => {
      const base = await dst.start();
      // New experiments get ids after the imported ones.
      const created = await ok(base, 'POST', 'experiments/create', { name: 'after-import' });
      const highest = Math.max(...expected.experiments.map((e: Json) => Number(e.experiment_id)));
      assert.ok(Number(created.experiment_id) > highest, `new id ${created.experiment_id} <= ${highest}`);
      // New versions continue after the imported ones.
      const v = await ok(base, 'POST', 'model-versions/create', {
        name: 'mig-model',
        source: `runs:/${run1}/model`,
        run_id: run1,
      });
      assert.equal(v.model_version.version, '3');
      await ok(base, 'DELETE', 'model-versions/delete', { name: 'mig-model', version: '3' });
      await dst.stopServer();
    });
  });
}

describe('an interrupted import continues where it stopped', () => {
  let src: Installation;
  let dst: Installation;
  let expected: Json;

  before(async () => {
    src = await newInstallation(BACKENDS[0]!);
    dst = await newInstallation(BACKENDS[BACKENDS.length - 1]!);
    const base = await src.start();
    await seed(base);
    expected = await snapshot(base);
    await src.stopServer();
  });
  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test('a run whose metric file is damaged is rolled back and imported by the next run', async () => {
    const dir = join(src.tmpDir, 'export');
    const stores = await src.stores();
    await exportDump(stores.source, dir).finally(() => stores.close());
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DumpManifest;
    const metrics = manifest.files
      .filter((f) => f.path.endsWith('/metrics.jsonl'))
      .sort((a, b) => b.bytes - a.bytes)[0]!;
    const file = join(dir, metrics.path);
    await copyFile(file, `${file}.orig`);
    const text = await readFile(file, 'utf8');
    // Change one digit near the end: valid JSON, so the run's points are written before the
    // checksum check at the end of the file fails.
    const at = text.search(/\d(?=\D*$)/);
    await writeFile(file, text.slice(0, at) + String((Number(text[at]) + 1) % 10) + text.slice(at + 1));

    const first = await importDir(dir, dst);
    assert.equal(first.failures.length, 1);
    assert.match(first.failures[0]!.message, /checksum/);
    assert.equal(first.count('runs'), expected.runs.length - 1);

    await copyFile(`${file}.orig`, file);
    const second = await importDir(dir, dst);
    assert.deepEqual(second.failures, []);
    assert.equal(second.count('runs'), 1);
    assert.equal(second.skipped('runs'), expected.runs.length - 1);
    const base = await dst.start();
    assert.deepEqual(comparable(await snapshot(base)), comparable(expected));
  });
});
