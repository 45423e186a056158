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
