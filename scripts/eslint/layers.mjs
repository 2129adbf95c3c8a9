// The layers of DESIGN.md as `no-restricted-imports` rules: for every folder of src/ the folders
// of src/ it must not import. Data flows down, never up:
//
//   cli/  (entry point; only bin/ imports it)
//   server/  client/                               HTTP in / HTTP out
//   plugins/                                        plugin loading; registers into the domain's registries
//   tracking/ registry/ models/ serving/ projects/  the domain
//   store/ artifacts/                               persistence
//   entities/ errors.ts search/ config/ version.ts  plain types, no I/O
//
// and ui/ (the browser app) never imports src/'s server, client, CLI, store or artifact code.
//
// Imports inside src/ are relative, so a rule matches the specifier by how many `../` it takes
// to reach src/ from the importing file: from src/store/sql/x.ts, `../../server/app.js` is
// src/server while `../tracking/common.js` is src/store/sql/tracking (allowed). One config block
// per folder and depth keeps exactly one set of restrictions per file (flat config replaces a
// rule's options, it does not merge them).

const DOMAIN = ['tracking', 'registry', 'models', 'serving', 'projects'];
const PURE = ['entities', 'errors', 'search', 'config', 'version'];
const ALL = [...PURE, 'store', 'artifacts', ...DOMAIN, 'plugins', 'server', 'client', 'cli', 'index'];

/** Folder (or root file stem) of src/ -> the folders and root files of src/ it must not import. */
export const FORBIDDEN = {
  entities: ALL.filter((l) => !PURE.includes(l)),
  errors: ALL.filter((l) => !PURE.includes(l)),
  search: ALL.filter((l) => !PURE.includes(l)),
  config: ALL.filter((l) => !PURE.includes(l)),
  version: ALL.filter((l) => !PURE.includes(l)),
  store: [...DOMAIN, 'plugins', 'server', 'client', 'cli', 'index'],
  artifacts: [...DOMAIN, 'plugins', 'server', 'client', 'cli', 'index'],
  tracking: ['plugins', 'server', 'client', 'cli', 'index'],
  registry: ['plugins', 'server', 'client', 'cli', 'index'],
  // serving builds on models, so models never reaches back into it.
  models: ['serving', 'plugins', 'server', 'client', 'cli', 'index'],
  serving: ['plugins', 'server', 'client', 'cli', 'index'],
  projects: ['plugins', 'server', 'client', 'cli', 'index'],
  // Plugins register into the registries of the domain and persistence layers; the CLI loads them.
  plugins: ['server', 'client', 'cli', 'index'],
  server: ['cli', 'client', 'index'],
  client: ['server', 'cli', 'index'],
  // Any other folder (auth, security, plugins, migrate, ...) still never imports the CLI.
  '*': ['cli', 'index'],
};

/** Deepest folder level under src/ the rules cover (a test checks that src/ stays within it). */
export const MAX_DEPTH = 6;

const UI_FORBIDDEN = ['server', 'client', 'cli', 'store', 'artifacts', 'index'];

function pattern(forbidden, depth, layer) {
  const up = depth === 0 ? '\\./' : `(\\.\\./){${depth}}`;
  return {
    regex: `^${up}(${forbidden.join('|')})(/|\\.js$)`,
    message: `Layer rule (DESIGN.md "Layers"): src/${layer} must not import ${forbidden
      .map((f) => `src/${f}`)
      .join(', ')}.`,
  };
}

function block(files, forbidden, depth, layer, ignores = []) {
  return {
    files,
    ignores,
    rules: { 'no-restricted-imports': ['error', { patterns: [pattern(forbidden, depth, layer)] }] },
  };
}

/** Flat-config blocks enforcing the layers on src/. */
export function layerRules() {
  const blocks = [];
  const named = Object.keys(FORBIDDEN).filter((l) => l !== '*');
  const folders = named.filter((l) => !['errors', 'version'].includes(l));
  // Other folders first, so that the named ones below replace these options for their files.
  for (let depth = 1; depth <= MAX_DEPTH; depth += 1) {
    const glob = `src/*/${'*/'.repeat(depth - 1)}*.ts`;
    blocks.push(block([glob], FORBIDDEN['*'], depth, '*', ['src/cli/**']));
  }
  for (const layer of folders) {
    for (let depth = 1; depth <= MAX_DEPTH; depth += 1) {
      const glob = `src/${layer}/${'*/'.repeat(depth - 1)}*.ts`;
      blocks.push(block([glob], FORBIDDEN[layer], depth, layer));
    }
  }
  // The browser app talks to the server over HTTP only: of src/ it may use plain types and pure
  // helpers, never the Node-side I/O layers.
  blocks.push({
    files: ['ui/src/**/*.ts', 'ui/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+src/(${UI_FORBIDDEN.join('|')})(/|\\.js$)`,
              message: `Layer rule (DESIGN.md "Layers"): ui/ runs in the browser and must not import ${UI_FORBIDDEN.map((f) => `src/${f}`).join(', ')}.`,
            },
          ],
        },
      ],
    },
  });
  for (const file of ['errors', 'version'])
    blocks.push(block([`src/${file}.ts`], FORBIDDEN[file], 0, `${file}.ts`));
  return blocks;
}
