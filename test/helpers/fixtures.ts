/**
 * Reference data the tests compare against, kept in test/fixtures/ so that the suites run from a
 * clone of this repository alone: MLflow 3.6's recorded HTTP exchanges (golden/, see its README)
 * and a model directory written by MLflow (see fixtures/README.md). A missing fixture fails the
 * suite that needs it, at load time; no suite skips for want of one.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The path of a fixture under test/fixtures/; throws when it is not there. */
export function fixturePath(...parts: string[]): string {
  const path = join(FIXTURES_DIR, ...parts);
  if (!existsSync(path)) throw new Error(`test fixture missing: ${path} (restore it from git)`);
  return path;
}

/** MLflow 3.6's answers to one fixed scenario of 564 requests, one JSON exchange per line. */
export const GOLDEN_FILE = fixturePath('golden', 'mlflow-3.6-sqlite.jsonl');
/** An ONNX model saved by MLflow's `mlflow.onnx.save_model`, with a column signature. */
export const ONNX_TABULAR_MODEL = fixturePath('mlflow-onnx-tabular');
