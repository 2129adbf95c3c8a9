#!/usr/bin/env node
// Runs every test file under test/ (or those whose path contains one of the arguments) with
// Node's test runner and the tsx loader, one runner process per file so that each file has a
// time limit: a file still running after CAIRN_TEST_FILE_TIMEOUT seconds (default 900) fails
// (Node's --test-timeout), and if its process does not end 30 s later it is killed with everything
// it started. A hang thus fails fast instead of running into CI's limit. CAIRN_TEST_CONCURRENCY
// (default 1) files run at once. After the totals, each failed file's failed tests are printed again
// with their messages (a CI log is often read from its end). Node 20's runner does not expand globs.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { clearTimeout, setTimeout } from 'node:timers';
import { tsImport } from 'tsx/esm/api';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function seconds(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive whole number of seconds, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

const filters = process.argv.slice(2);
const files = find('test')
  .map((f) => relative('.', f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(', ')}`);
  process.exit(1);
}
// A bad CAIRN_TEST_BACKENDS fails every file that reads it; say so once, before running any.
try {
  await tsImport('../test/helpers/backends.ts', import.meta.url);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
const fileTimeout = seconds('CAIRN_TEST_FILE_TIMEOUT', 900);
const concurrency = seconds('CAIRN_TEST_CONCURRENCY', 1);
const reporter = process.stdout.isTTY ? ['--test-reporter=spec'] : [];

const running = new Set();
const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const failed = [];
/** What failed, per file, printed again after the totals (a CI log is often read from its end). */
const failures = [];

/** Runs one file; resolves once its process group has ended. */
function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    // Its own process group, so that a timeout also ends the servers and children it started.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-timeout=${fileTimeout * 1000}`, ...reporter, file],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    running.add(child);
    let out = '';
    const collect = (stream, sink) =>
      stream.on('data', (chunk) => {
        out += chunk;
        // One file at a time: stream its output; several: print each file's output in one piece.
        if (concurrency === 1) sink.write(chunk);
      });
    collect(child.stdout, process.stdout);
    collect(child.stderr, process.stderr);
    let timedOut = false;
    const watchdog = setTimeout(
      () => {
        timedOut = true;
        killGroup(child);
      },
      (fileTimeout + 30) * 1000,
    );
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      running.delete(child);
      // Children the file left behind (a server it did not stop) must not outlive it.
      killGroup(child);
      if (concurrency > 1) process.stdout.write(out);
      const counts = { fail: 0, cancelled: 0 };
      for (const m of out.matchAll(/^(?:#|ℹ) (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
        totals[m[1]] += Number(m[2]);
        counts[m[1]] = Number(m[2]);
      }
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`# ${file}: ${secs} s`);
      if (timedOut) {
        console.error(`\nTIMEOUT ${file}: still running ${fileTimeout + 30} s after its start, killed`);
        failed.push(`${file} (killed after ${fileTimeout + 30} s)`);
        failures.push(`${file}:\n${failureReport(out)}`);
      } else if (code !== 0 || counts.fail > 0 || counts.cancelled > 0) {
        // A file test that timed out counts as cancelled, and its exit code is not always 1.
        failed.push(
          `${file} (exit ${signal ?? code}, ${counts.fail} failed, ${counts.cancelled} cancelled, ${secs} s)`,
        );
        failures.push(`${file}:\n${failureReport(out)}`);
      }
      resolve();
    });
  });
}

/**
 * The failed tests of one file's TAP output: each `not ok` line with the YAML block under it
 * (error, expected/actual, stack), cut to a few thousand characters, and the file's stderr-like
 * lines when no test reported a failure (a crash before the first test).
 */
function failureReport(out) {
  const lines = out.split('\n');
  const picked = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*not ok /.test(lines[i])) continue;
    picked.push(lines[i]);
    const indent = lines[i].match(/^\s*/)[0].length;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j];
      const lineIndent = line.match(/^\s*/)[0].length;
      if (line.trim() !== '' && lineIndent <= indent) break;
      picked.push(line);
      if (line.trim() === '...') break;
    }
  }
  const text = (picked.length ? picked : lines.slice(-40)).join('\n');
  return text.length > 6000 ? `${text.slice(0, 6000)}\n  [cut]` : text;
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group has already ended.
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child);
    process.exit(1);
  });
}

const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    while (queue.length) await runFile(queue.shift());
  }),
);
const t = totals;
console.log(
  `\n${files.length} test files: ${t.tests} tests, ${t.pass} passed, ${t.fail} failed, ` +
    `${t.cancelled} cancelled, ${t.skipped} skipped, ${t.todo} todo`,
);
if (failed.length) {
  if (failures.length) console.log(`\nFailures:\n${failures.join('\n\n')}\n`);
  console.log(`Failed files:\n${failed.map((f) => `  ${f}`).join('\n')}`);
  process.exit(1);
}
