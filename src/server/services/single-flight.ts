/**
 * Coalesces identical work that is in flight: callers asking for the same key while a first call
 * runs share its promise. Nothing is cached once it settles, so results are never staler than
 * the query that produced them. The audience builder and lists send the same count many times
 * (debounced typing, several people on one audience); this keeps that from multiplying warehouse load.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = work().finally(() => {
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, promise);
    return promise;
  }

  /** Later callers start fresh work (e.g. after the audience changed). */
  forget(predicate: (key: string) => boolean): void {
    for (const key of [...this.inFlight.keys()]) if (predicate(key)) this.inFlight.delete(key);
  }
}
