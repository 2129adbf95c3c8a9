// ESLint rule `cairn/no-import-cycle`: reports an import that closes a cycle of runtime imports
// (A imports B, ..., which imports A). Such a cycle makes the result depend on which module loads
// first: one of them sees the other half-initialised.
//
// Only imports that exist at run time count: `import type`, imports whose names are all
// `type`, and `export type ... from` are erased by TypeScript, and a dynamic `import()` runs
// later, so none of them forms a load-time cycle. Relative specifiers are resolved the way
// TypeScript's NodeNext does for this repository (`./x.js` is `./x.ts` or `./x.tsx`); package
// imports are not followed.
//
// The graph is built from the files on disk, parsed with TypeScript's parser (no type checking),
// and cached per file by modification time, so one lint run parses each file once.
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** @type {Map<string, {mtimeMs: number, size: number, imports: RuntimeImport[]}>} */
const parsed = new Map();

/**
 * @typedef {{target: string, start: number, end: number}} RuntimeImport
 */

function isTypeOnlyImport(node) {
  const clause = node.importClause;
  if (!clause) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    !!bindings &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

function isTypeOnlyExport(node) {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    !!clause &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((e) => e.isTypeOnly)
  );
}

function fileExists(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The file a relative specifier names, or undefined for packages and files that do not exist. */
export function resolveSpecifier(fromFile, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(m?js|jsx)$/, '');
  const candidates = [
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    base,
    `${stem}/index.ts`,
    `${stem}/index.tsx`,
  ];
  return candidates.find(fileExists);
}

/** Runtime imports of a TypeScript/JavaScript source text, resolved to files. */
export function runtimeImports(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  /** @type {RuntimeImport[]} */
  const out = [];
  for (const statement of source.statements) {
    let specifier;
    if (ts.isImportDeclaration(statement) && !isTypeOnlyImport(statement)) {
      specifier = statement.moduleSpecifier;
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier &&
      !isTypeOnlyExport(statement)
    ) {
      specifier = statement.moduleSpecifier;
    } else if (
      ts.isImportEqualsDeclaration(statement) &&
      !statement.isTypeOnly &&
      ts.isExternalModuleReference(statement.moduleReference)
    ) {
      specifier = statement.moduleReference.expression;
    }
    if (!specifier || !ts.isStringLiteral(specifier)) continue;
    const target = resolveSpecifier(file, specifier.text);
    if (target) out.push({ target, start: statement.getStart(source), end: statement.getEnd() });
  }
  return out;
}

function importsOf(file) {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return [];
  }
  const cached = parsed.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.imports;
  const imports = runtimeImports(file, readFileSync(file, 'utf8'));
  parsed.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, imports });
  return imports;
}

/** A path of files from `start` back to `goal` through runtime imports, or undefined. */
function pathTo(start, goal, importsFor) {
  const parent = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length) {
    const file = queue.shift();
    if (file === goal) {
      const path = [];
      for (let f = file; f !== undefined; f = parent.get(f)) path.unshift(f);
      return path;
    }
    for (const { target } of importsFor(file)) {
      if (parent.has(target)) continue;
      parent.set(target, file);
      queue.push(target);
    }
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow runtime import cycles between modules of this repository.' },
    schema: [],
    messages: { cycle: 'Import cycle: {{path}}. Move the shared piece into a module both can import.' },
  },
  create(context) {
    const file = resolve(context.filename);
    return {
      Program() {
        const sourceCode = context.sourceCode;
        const own = runtimeImports(file, sourceCode.text);
        // The file being linted may differ from the disk (an editor buffer): use its text.
        const importsFor = (f) => (f === file ? own : importsOf(f));
        const seen = new Set();
        for (const imp of own) {
          if (seen.has(imp.target)) continue;
          seen.add(imp.target);
          const back = pathTo(imp.target, file, importsFor);
          if (!back) continue;
          const cwd = context.cwd;
          const path = [file, ...back].map((f) => relative(cwd, f)).join(' -> ');
          context.report({
            loc: { start: sourceCode.getLocFromIndex(imp.start), end: sourceCode.getLocFromIndex(imp.end) },
            messageId: 'cycle',
            data: { path },
          });
        }
      },
    };
  },
};

export default { meta: { name: 'cairn' }, rules: { 'no-import-cycle': noImportCycle } };
