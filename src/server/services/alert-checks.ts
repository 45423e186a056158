import { alertStaleSyncs } from '../../syncs/alerts/index.js';
import { secretResolver } from '../../secrets/index.js';
import type { ServerContext } from '../context.js';

/** How often the service looks for syncs that have not run for too long (`stale` alert rules). */
export const STALE_CHECK_MS = 5 * 60 * 1000;

/** One check of every sync (git and UI) against its `stale` rules; never throws. */
export async function checkStaleSyncs(ctx: ServerContext, now?: Date): Promise<number> {
  try {
    const syncs = (await ctx.syncs.schedules()).map((s) => s.name);
    return await alertStaleSyncs(ctx.project, syncs, { secrets: secretResolver(ctx.secrets), now });
  } catch (error) {
    ctx.log.warn({ err: error }, 'stale sync check failed');
    return 0;
  }
}

/** Checks now and then every STALE_CHECK_MS until stopped. */
export function startStaleChecks(ctx: ServerContext): () => void {
  // Always: rules made in the UI can appear at any time, in projects with no alerts block.
  void checkStaleSyncs(ctx);
  const timer = setInterval(() => void checkStaleSyncs(ctx), STALE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
