import { CdpError, isCdpError } from '../../errors.js';
import { loadModels } from '../../models/index.js';
import type { ServerContext } from '../context.js';

export interface ModelView {
  name: string;
  file: string;
  relation: string;
  materialized: string;
  tags: string[];
  refs: string[];
  sources: string[];
  lastBuild: {
    status: string;
    startedAt: string;
    finishedAt: string;
    rows: number | null;
    durationMs: number;
    error: string | null;
  } | null;
}

/** The project's SQL models (from git) with the last build of each (from the state store). */
export async function listModels(ctx: ServerContext): Promise<ModelView[]> {
  const graph = loadModels(ctx.project);
  const builds = new Map((await ctx.store.modelBuilds.latest()).map((build) => [build.model, build]));
  return graph.models.map((model) => {
    const build = builds.get(model.name);
    return {
      name: model.name,
      file: model.file,
      relation: `${model.relation.schema}.${model.relation.name}`,
      materialized: model.config.materialized,
      tags: model.config.tags,
      refs: model.refs.map((ref) => ref.name),
      sources: model.sources.map((source) => `${source.schema}.${source.table}`),
      lastBuild: build
        ? {
            status: build.status,
            startedAt: build.startedAt.toISOString(),
            finishedAt: build.finishedAt.toISOString(),
            rows: build.rows,
            durationMs: build.durationMs,
            error: build.error,
          }
        : null,
    };
  });
}

/**
 * Checks each selector of a run request against the project's models, so a malformed or unknown
 * one is a 400 naming it (`body.select[1]`) before the run starts, not a run that fails later.
 */
export function checkSelection(ctx: ServerContext, select: readonly string[] | undefined): void {
  if (!select?.length) return;
  const graph = loadModels(ctx.project);
  select.forEach((text, i) => {
    try {
      graph.select([text]);
    } catch (error) {
      if (!isCdpError(error) || !['INVALID_INPUT', 'MODEL_NOT_FOUND'].includes(error.code)) throw error;
      throw new CdpError('INVALID_INPUT', error.message, { location: { path: `body.select[${i}]` }, hint: error.hint });
    }
  });
}
