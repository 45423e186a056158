import type { Knex } from 'knex';
import { z } from 'zod';
import { CdpError, formatPath } from '../../errors.js';
import { dateColumn, intColumn } from '../time.js';

export const MODEL_BUILD_STATUSES = ['success', 'error', 'skipped'] as const;
export type ModelBuildStatus = (typeof MODEL_BUILD_STATUSES)[number];

/** What a model build reports when it ends. */
export interface ModelBuildRecord {
  model: string;
  startedAt: Date;
  finishedAt: Date;
  /** Rows in the built relation, when known. */
  rows: number | null;
  status: ModelBuildStatus;
  error: string | null;
}

/** A stored build. */
export interface ModelBuild extends ModelBuildRecord {
  id: number;
  durationMs: number;
}

export interface ModelBuildsRepository {
  record(build: ModelBuildRecord): Promise<void>;
  /** The most recent build of every model (by start time), ordered by model name. */
  latest(): Promise<ModelBuild[]>;
  /** Builds of one model, newest first. */
  history(model: string, limit?: number): Promise<ModelBuild[]>;
}

const recordSchema = z
  .object({
    model: z.string().min(1),
    startedAt: z.date(),
    finishedAt: z.date(),
    rows: z.number().int().nonnegative().nullable(),
    status: z.enum(MODEL_BUILD_STATUSES),
    error: z.string().nullable(),
  })
  .refine((b) => b.finishedAt.getTime() >= b.startedAt.getTime(), { message: 'finishedAt is before startedAt', path: ['finishedAt'] });

const rowSchema = z.object({
  id: intColumn,
  model: z.string(),
  started_at: dateColumn,
  finished_at: dateColumn,
  rows: intColumn.nullable(),
  status: z.enum(MODEL_BUILD_STATUSES),
  error: z.string().nullable(),
  duration_ms: intColumn,
});

function toBuild(row: unknown): ModelBuild {
  const r = rowSchema.parse(row);
  return {
    id: r.id,
    model: r.model,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    rows: r.rows,
    status: r.status,
    error: r.error,
    durationMs: r.duration_ms,
  };
}

const TABLE = 'model_builds';
const COLUMNS = ['id', 'model', 'started_at', 'finished_at', 'rows', 'status', 'error', 'duration_ms'];

export function modelBuildsRepository(knex: Knex): ModelBuildsRepository {
  return {
    async record(build) {
      const parsed = recordSchema.safeParse(build);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new CdpError('STATE', `invalid model build record: ${issue.message}`, { location: { path: formatPath(issue.path) } });
      }
      const b = parsed.data;
      await knex(TABLE).insert({
        model: b.model,
        started_at: b.startedAt,
        finished_at: b.finishedAt,
        rows: b.rows,
        status: b.status,
        error: b.error,
        duration_ms: b.finishedAt.getTime() - b.startedAt.getTime(),
      });
    },

    async latest() {
      const ranked = knex(TABLE)
        .select(COLUMNS)
        .select(knex.raw('ROW_NUMBER() OVER (PARTITION BY model ORDER BY started_at DESC, id DESC) AS rn'));
      const rows: unknown[] = await knex.select(COLUMNS).from(ranked.as('ranked')).where('rn', 1).orderBy('model');
      return rows.map(toBuild);
    },

    async history(model, limit = 50) {
      const rows: unknown[] = await knex(TABLE).select(COLUMNS).where({ model }).orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]).limit(limit);
      return rows.map(toBuild);
    },
  };
}
