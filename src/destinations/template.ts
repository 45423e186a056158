import { logger } from '../logger.js';
import { DestinationError } from './errors.js';
import { HttpRequestError } from './http/client.js';
import { retryable } from './results.js';
import type { CheckContext, Destination, Row, RowResult, SendContext, SendOp } from './types.js';

/**
 * A destination as a folder of verbs: `upsert` (and `remove` for destinations that can take
 * people out) plus `check`. The template adds what every destination needs the same way:
 * mode checks, "no answer at all" mapped to retryable rows, and one result per row enforced.
 */
export interface DestinationVerbs<C> extends Omit<Destination<C>, 'send' | 'check' | 'sendRowsJson' | 'forget'> {
  check(config: C, ctx: CheckContext): Promise<void>;
  upsert(rows: Row[], ctx: SendContext<C>): Promise<RowResult[]>;
  remove?(rows: Row[], ctx: SendContext<C>): Promise<RowResult[]>;
  /** Right to erasure at the vendor (see Destination.forget); wrapped like `send`. */
  forget?(rows: Row[], ctx: SendContext<C>): Promise<RowResult[]>;
  /** Upsert from rows already serialised as JSON objects (see Destination.sendRowsJson). */
  upsertJson?(json: string, count: number, ctx: SendContext<C>): Promise<RowResult[]>;
}

export function defineDestination<C>(verbs: DestinationVerbs<C>): Destination<C> {
  if (verbs.modes.includes('mirror') && !verbs.remove) {
    throw new Error(`destination ${verbs.type} offers mirror mode but has no remove verb`);
  }
  const { upsert, remove, forget, check, upsertJson, ...rest } = verbs;
  const guarded = async (count: number, work: () => Promise<RowResult[]>): Promise<RowResult[]> => {
    let results: RowResult[];
    try {
      results = await work();
    } catch (error) {
      // No answer after every retry: nothing is known about these rows, so try them again next run.
      if (error instanceof HttpRequestError) return Array.from({ length: count }, () => retryable(error.message));
      throw error;
    }
    if (results.length !== count) {
      logger.error({ destination: verbs.type, rows: count, results: results.length }, 'destination returned the wrong number of results');
      throw new DestinationError(`${verbs.type} returned ${results.length} results for ${count} rows`);
    }
    return results;
  };
  return {
    ...rest,
    removes: remove !== undefined,
    ...(upsertJson
      ? {
          sendRowsJson: (_op: 'upsert', json: string, count: number, ctx: SendContext<C>) =>
            count === 0 ? Promise.resolve([]) : guarded(count, () => upsertJson.call(verbs, json, count, ctx)),
        }
      : {}),
    ...(forget
      ? {
          forget: (rows: Row[], ctx: SendContext<C>) =>
            rows.length === 0 ? Promise.resolve([]) : guarded(rows.length, () => forget.call(verbs, rows, ctx)),
        }
      : {}),
    async check(config: C, ctx?: CheckContext): Promise<void> {
      if (!ctx) throw new Error(`${verbs.type}.check needs a CheckContext (use checkDestination from src/syncs)`);
      try {
        await check(config, ctx);
      } catch (error) {
        if (error instanceof HttpRequestError) {
          throw new DestinationError(`${verbs.type}: ${error.message}`, { hint: 'check base_url and the network', cause: error });
        }
        throw error;
      }
    },
    async send(op: SendOp, rows: Row[], ctx: SendContext<C>): Promise<RowResult[]> {
      if (rows.length === 0) return [];
      const verb = op === 'upsert' ? upsert : remove;
      if (!verb) throw new DestinationError(`${verbs.type} cannot remove records; use a mode other than mirror`);
      return guarded(rows.length, () => verb.call(verbs, rows, ctx));
    },
  };
}
