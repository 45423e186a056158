/**
 * A fixed set of connections handed out one caller at a time. Engines whose connections run one
 * statement at a time (DuckDB) use it so concurrent API requests queue instead of colliding.
 */
export class ConnectionPool<C> {
  private readonly idle: C[];
  private readonly waiters: Array<(connection: C) => void> = [];

  constructor(connections: C[]) {
    this.idle = [...connections];
  }

  async use<T>(work: (connection: C) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    try {
      return await work(connection);
    } finally {
      this.release(connection);
    }
  }

  private acquire(): Promise<C> {
    const connection = this.idle.pop();
    if (connection !== undefined) return Promise.resolve(connection);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(connection: C): void {
    const next = this.waiters.shift();
    if (next) next(connection);
    else this.idle.push(connection);
  }
}
