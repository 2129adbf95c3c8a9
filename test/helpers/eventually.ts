/**
 * Waiting on a condition instead of a fixed time: tests share a loaded machine, so any fixed sleep
 * or polling budget is either slow or flaky. The bound only turns a condition that never comes
 * into a failure with the check's own message (the runner's per-file limit catches the rest).
 */

/** Retries an assertion until it passes or `timeoutMs` elapses (then throws its last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 8000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
