import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { CdpError } from '../../errors.js';
import { piiViewOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { ErrorGroupSchema, IdentityBuildPointSchema, RowDebugSchema, SourceDayPointSchema, SyncDayPointSchema } from '../schemas/history.js';
import { HistoryService } from '../services/history.js';
import { RowDebugger, type RowLookup } from '../services/row-debugger.js';

const nameParams = z.object({ name: z.string().min(1).max(200) }).strict();
const buildsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(60) }).strict();
const daysQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }).strict();
const syncDaysQuery = daysQuery.extend({ sync: z.string().min(1).max(200).optional() }).strict();
const debugQuery = z
  .object({
    key: z.string().min(1).max(512).optional(),
    id_type: z.string().min(1).max(64).optional(),
    value: z.string().min(1).max(512).optional(),
  })
  .strict();

function lookupOf(query: z.output<typeof debugQuery>): RowLookup {
  if (query.key !== undefined && query.id_type === undefined && query.value === undefined) return { key: query.key };
  if (query.key === undefined && query.id_type !== undefined && query.value !== undefined) return { idType: query.id_type, value: query.value };
  throw new CdpError('INVALID_INPUT', 'give either a row key, or an identifier type and value', { location: { path: 'query' }, hint: '?key=<row key> or ?id_type=email&value=<email>' });
}

/** The dashboards' history and the row debugger. */
export function historyRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const history = new HistoryService(ctx.project, ctx.knex);
  const rows = new RowDebugger(ctx);
  return [
    route({
      method: 'get',
      path: '/api/history/identity',
      response: z.array(IdentityBuildPointSchema),
      access: 'read',
      tag: 'history',
      summary: 'The last identity builds, oldest first: profiles, identifiers, merges and splits per build',
      query: buildsQuery,
      handler: ({ query }) => history.identityBuilds(query.limit),
    }),
    route({
      method: 'get',
      path: '/api/history/sources',
      response: z.array(SourceDayPointSchema),
      access: 'read',
      tag: 'history',
      summary: 'Records per source per day, over the days up to the newest record',
      query: daysQuery,
      handler: ({ query }) => history.sourceRecords(query.days),
    }),
    route({
      method: 'get',
      path: '/api/history/syncs',
      response: z.array(SyncDayPointSchema),
      access: 'read',
      tag: 'history',
      summary: 'Sync runs per day by outcome, with rows sent and mean duration (all syncs, or ?sync=)',
      query: syncDaysQuery,
      handler: ({ query }) => history.syncDays(query.days, query.sync ?? null),
    }),
    route({
      method: 'get',
      path: '/api/syncs/:name/debug',
      response: RowDebugSchema,
      access: 'profiles:read',
      tag: 'syncs',
      summary: 'Row debugger: every run that planned a row (by key, or a person by identifier), the op, the answer, the values last delivered',
      params: nameParams,
      query: debugQuery,
      handler: ({ params, query, principal, res }) => {
        const pii = piiViewOf(principal);
        if (pii.mask) res.setHeader('X-CDP-PII-Masked', 'true');
        return rows.row(params.name, lookupOf(query), pii);
      },
    }),
    route({
      method: 'get',
      path: '/api/syncs/:name/errors',
      response: z.array(ErrorGroupSchema),
      access: 'read',
      tag: 'syncs',
      summary: "A sync's rows that did not end ok, grouped by the destination's reason, with counts",
      params: nameParams,
      handler: ({ params, principal }) => rows.errors(params.name, piiViewOf(principal)),
    }),
  ];
}
