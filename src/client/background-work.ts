/**
 * Work the SDK started on the user's behalf and finishes in the background (autologging of
 * estimators whose training is synchronous). `cairn.flush()` and the end of a run wait for it, so
 * nothing is lost when training code ends its run or flushes before exiting.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>();

  add(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.then(
      () => this.pending.delete(work),
      () => this.pending.delete(work),
    );
  }

  /** Resolves once everything added so far (and anything it added) has settled. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** Background work not tied to a run the user holds (e.g. runs autologging started itself). */
export const detachedWork = new BackgroundWork();
