/**
 * The repository's ESLint configuration enforces DESIGN.md's layers and refuses runtime import
 * cycles. Snippets planted in a scratch tree shaped like src/ are linted with the real
 * eslint.config.js through ESLint's Node API; each rule must report what it exists for, and must
 * stay quiet on the imports the layers allow.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let scratch: string;
let eslint: ESLint;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cairn-lint-'));
  eslint = new ESLint({ cwd: scratch, overrideConfigFile: join(repo, 'eslint.config.js') });
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function plant(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(scratch, path)), { recursive: true });
    await writeFile(join(scratch, path), text);
  }
}

/** Messages of `rule` for the file at `path` (relative to the scratch tree) with `text`. */
async function lint(path: string, text: string, rule: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(scratch, path) });
  assert.ok(result, `no lint result for ${path}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${path} did not parse`);
  return result.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
}

describe('layer rules (no-restricted-imports)', () => {
  const refused: [file: string, specifier: string][] = [
    ['src/entities/tracking.ts', '../store/tracking-store.js'],
    ['src/search/parse-filter.ts', '../tracking/validation.js'],
    ['src/config/index.ts', '../server/app.js'],
    ['src/errors.ts', './client/http.js'],
    ['src/store/sql/sql-tracking-store.ts', '../../tracking/tracking-service.js'],
    ['src/store/sql/registry/rows.ts', '../../../registry/registry-service.js'],
    ['src/artifacts/artifact-service.ts', '../server/config.js'],
    ['src/tracking/tracking-service.ts', '../server/config.js'],
    ['src/registry/webhooks/webhook-service.ts', '../../server/context.js'],
    ['src/models/sdk.ts', '../client/tracking-client.js'],
    ['src/models/batch/writers.ts', '../../serving/serialize.js'],
    ['src/projects/sdk.ts', '../client/fluent.js'],
    ['src/serving/app.ts', '../cli/output.js'],
    ['src/server/app.ts', '../cli/program.js'],
    ['src/server/routes/registry.ts', '../../client/registry.js'],
    ['src/client/registry.ts', '../server/app.js'],
    ['src/client/registry-webhooks.ts', '../cli/output.js'],
    ['src/auth/principal.ts', '../cli/output.js'],
    ['src/store/tracking-store.ts', '../index.js'],
    ['ui/src/api/tracking.ts', '../../../src/server/app.js'],
    ['ui/src/pages/runs/RunsPage.tsx', '../../../../src/client/fluent.js'],
  ];
  for (const [file, specifier] of refused) {
    it(`refuses ${file} importing ${specifier}`, async () => {
      const messages = await lint(
        file,
        `import { x } from '${specifier}';\nexport const y = x;\n`,
        'no-restricted-imports',
      );
      assert.equal(messages.length, 1, `expected one layer error, got ${JSON.stringify(messages)}`);
      assert.match(messages[0]!, /Layer rule \(DESIGN\.md "Layers"\)/);
    });
  }

  it('covers every folder depth of src/', async () => {
    const { MAX_DEPTH } = (await import(join(repo, 'scripts/eslint/layers.mjs'))) as { MAX_DEPTH: number };
    const files = (await readdir(join(repo, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
    const deepest = Math.max(...files.map((f) => f.split(sep).length - 1));
    assert.ok(files.length > 100 && deepest <= MAX_DEPTH, `src/ is ${deepest} folders deep`);
  });

  it('refuses a type-only import across layers too', async () => {
    const messages = await lint(
      'src/tracking/tracking-service.ts',
      `import type { ServerConfig } from '../server/config.js';\nexport type C = ServerConfig;\n`,
      'no-restricted-imports',
    );
    assert.equal(messages.length, 1);
  });

  const allowed: [file: string, specifier: string][] = [
    ['src/store/sql/registry/rows.ts', '../tracking/common.js'], // src/store/sql/tracking, same layer
    ['src/store/sql/sql-tracking-store.ts', '../../entities/tracking.js'],
    ['src/tracking/tracking-service.ts', '../store/tracking-store.js'],
    ['src/serving/app.ts', '../models/model.js'],
    ['src/client/models.ts', '../models/save.js'],
    ['src/client/projects.ts', '../projects/run-project.js'],
    ['src/server/routes/tracking.ts', '../../tracking/tracking-service.js'],
    ['src/cli/program.ts', './server-command.js'],
    ['src/cli/server-command.ts', '../server/server.js'],
    ['src/index.ts', './client/fluent.js'],
    ['src/entities/index.ts', './tracking.js'],
    ['ui/src/api/types.ts', '../../../src/entities/tracking.js'],
  ];
  for (const [file, specifier] of allowed) {
    it(`allows ${file} importing ${specifier}`, async () => {
      const messages = await lint(
        file,
        `import { x } from '${specifier}';\nexport const y = x;\n`,
        'no-restricted-imports',
      );
      assert.deepEqual(messages, []);
    });
  }
});

describe('import cycle rule (cairn/no-import-cycle)', () => {
  it('reports both ends of a two-module cycle', async () => {
    await plant({
      'src/server/app.ts': `import { route } from './routes/tracking.js';\nexport const app = () => route;\nexport const size = 1;\n`,
      'src/server/routes/tracking.ts': `import { size } from '../app.js';\nexport const route = () => size;\n`,
    });
    const results = await eslint.lintFiles(['src/server/app.ts', 'src/server/routes/tracking.ts']);
    const cycles = results.map((r) => r.messages.filter((m) => m.ruleId === 'cairn/no-import-cycle'));
    assert.equal(cycles[0]!.length, 1);
    assert.equal(cycles[1]!.length, 1);
    assert.match(
      cycles[0]![0]!.message,
      /src\/server\/app\.ts -> src\/server\/routes\/tracking\.ts -> src\/server\/app\.ts/,
    );
    assert.equal(cycles[0]![0]!.line, 1);
  });

  it('follows re-exports through a longer cycle', async () => {
    await plant({
      'src/client/registry.ts': `export * from './registry-fluent.js';\nexport class RegistryClient {}\n`,
      'src/client/registry-fluent.ts': `import { helper } from './helper.js';\nexport const registryClient = helper;\n`,
      'src/client/helper.ts': `import { RegistryClient } from './registry.js';\nexport const helper = () => new RegistryClient();\n`,
    });
    const [result] = await eslint.lintFiles(['src/client/registry.ts']);
    const messages = result!.messages
      .filter((m) => m.ruleId === 'cairn/no-import-cycle')
      .map((m) => m.message);
    assert.equal(messages.length, 1);
    assert.match(
      messages[0]!,
      /registry\.ts -> src\/client\/registry-fluent\.ts -> src\/client\/helper\.ts -> src\/client\/registry\.ts/,
    );
  });

  it("resolves the UI's extensionless imports of .tsx files", async () => {
    await plant({
      'ui/src/pages/RunsPage.tsx': `import { Header } from './Header';\nexport const RunsPage = () => <Header />;\nexport const title = 'runs';\n`,
      'ui/src/pages/Header.tsx': `import { title } from './RunsPage';\nexport const Header = () => <h1>{title}</h1>;\n`,
    });
    const [result] = await eslint.lintFiles(['ui/src/pages/Header.tsx']);
    const messages = result!.messages.filter((m) => m.ruleId === 'cairn/no-import-cycle');
    assert.equal(messages.length, 1, JSON.stringify(result!.messages));
  });

  it('ignores type-only imports and dynamic import(), which form no load-time cycle', async () => {
    await plant({
      'src/tracking/a.ts': `import type { B } from './b.js';\nimport { type C } from './c.js';\nexport const a = (b: B, c: C) => [b, c];\n`,
      'src/tracking/b.ts': `import { a } from './a.js';\nexport type B = typeof a;\n`,
      'src/tracking/c.ts': `export type { B } from './b.js';\nexport type C = number;\nexport const load = () => import('./a.js');\n`,
    });
    const results = await eslint.lintFiles(['src/tracking/a.ts', 'src/tracking/b.ts', 'src/tracking/c.ts']);
    for (const r of results) {
      assert.deepEqual(
        r.messages.filter((m) => m.ruleId === 'cairn/no-import-cycle'),
        [],
        r.filePath,
      );
    }
  });

  it('judges the text being linted, not the stale file on disk', async () => {
    await plant({
      'src/models/x.ts': `export const x = 1;\n`,
      'src/models/y.ts': `import { x } from './x.js';\nexport const y = x;\n`,
    });
    const messages = await lint(
      'src/models/x.ts',
      `import { y } from './y.js';\nexport const x = y;\n`,
      'cairn/no-import-cycle',
    );
    assert.equal(messages.length, 1);
  });
});
