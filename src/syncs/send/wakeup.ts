/**
 * A wake-up call between the parts of a send: the sender waits for room (a batch finished, a
 * commit freed the backlog, something failed) and whoever changed that state rings.
 */
export class Wakeup {
  private waiters: Array<() => void> = [];

  /** Resolves at the next ring. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  ring(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
