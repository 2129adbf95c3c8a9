/**
 * The run an autologged training call logs into: the active run when there is one, otherwise a
 * run started for the call and ended with it (FINISHED, or FAILED when training throws), as
 * MLflow's autologging does.
 */
import { activeRun, startRun } from '../fluent.js';
import type { ActiveRun } from '../active-run.js';

export async function withAutologRun<T>(fn: (run: ActiveRun) => Promise<T>): Promise<T> {
  const existing = activeRun();
  if (existing) return fn(existing);
  const run = await startRun();
  try {
    const result = await fn(run);
    await run.end('FINISHED');
    return result;
  } catch (err) {
    await run.end('FAILED');
    throw err;
  }
}

/** camelCase → snake_case, the way MLflow names parameters (`batchSize` → `batch_size`). */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Logs what autologging could not do without failing the training it wraps. */
export function warnAutolog(what: string, err: unknown): void {
  process.stderr.write(`cairn autolog: ${what}: ${err instanceof Error ? err.message : String(err)}\n`);
}
