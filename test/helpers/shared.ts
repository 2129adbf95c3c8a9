/**
 * The read-only reference material beside the repository (`../shared` from the repository root):
 * MLflow golden exchanges and MLflow-written fixtures. CAIRN_SHARED_DIR overrides the location.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_DIR = process.env.CAIRN_SHARED_DIR ?? join(repoRoot, '..', 'shared');
export const GOLDEN_FILE = join(SHARED_DIR, 'reference', 'golden', 'mlflow-3.6-sqlite.jsonl');
export const FIXTURES_DIR = join(SHARED_DIR, 'fixtures');
