import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the statements running inside `work` are for (`{ model: 'stg_orders' }`, `{ sync: 'meta' }`),
 * so warehouse costs can be traced: the BigQuery adapter puts these on every job as labels, the
 * Snowflake adapter into each statement's QUERY_TAG. Engines without such a notion ignore them.
 * Nested calls add to (and override) the outer labels.
 */
export function withQueryLabels<T>(labels: Readonly<Record<string, string>>, work: () => T): T {
  return storage.run({ ...currentQueryLabels(), ...labels }, work);
}

/** The labels of the code running now (empty outside `withQueryLabels`). */
export function currentQueryLabels(): Readonly<Record<string, string>> {
  return storage.getStore() ?? {};
}

const storage = new AsyncLocalStorage<Readonly<Record<string, string>>>();
