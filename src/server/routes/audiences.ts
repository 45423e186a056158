import { once } from 'node:events';
import type { Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { scrubSecretText } from '../../util/secret-scrub.js';
import type { ServerContext } from '../context.js';
import { actorOf, piiViewOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { AudienceService, audienceDefinitionSchema, audienceInputSchema, dialectSchema } from '../services/audiences.js';
import { priorityListSchema } from '../../audiences/index.js';
import { syncsUsingAudience } from '../services/syncs.js';
import { AudienceBreakdownSchema, AudienceCatalogSchema, AudienceCountSchema, AudienceDetailSchema, AudienceExplanationSchema, AudienceMembersCsvSchema, AudienceOverlapSchema, AudiencePreviewSchema, AudienceSizePointSchema, AudienceSqlSchema, AudienceSummarySchema, PriorityListCountsSchema } from '../schemas/audiences.js';

/** A definition for the examples of the API document. */
const EXAMPLE_AUDIENCE = {
  name: 'german_buyers',
  description: 'Germans who bought in the last 30 days',
  where: { all: [{ trait: 'country', op: 'eq' as const, value: 'DE' }, { event: 'Order Completed', within: { days: 30 } }] },
};

const nameParams = z.object({ name: z.string().min(1).max(200) }).strict();
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const listQuery = z.object({ counts: flag.optional().describe('include each audience’s member count') }).strict();
const deleteQuery = z.object({ force: flag.optional().describe('delete even when syncs use it') }).strict();
const previewQuery = z
  .object({
    limit: z.coerce.number().int().min(0).max(1000).optional(),
    traits: z.string().max(2000).optional().describe('comma-separated traits for the sample columns'),
  })
  .strict();
const sqlQuery = z.object({ dialect: dialectSchema.optional() }).strict();
const breakdownQuery = z
  .object({
    trait: z.string().min(1).max(200).describe('the trait to break the members down by'),
    top: z.coerce.number().int().min(1).max(100).optional().describe('how many of the most frequent values (default 10)'),
    bins: z.coerce.number().int().min(1).max(100).optional().describe('histogram bins for numeric traits (default 20)'),
  })
  .strict();
const csvQuery = z.object({ traits: z.string().max(2000).optional().describe('comma-separated traits for the columns after profile_id (default: all)') }).strict();
const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

const draftBody = z.object({ definition: audienceDefinitionSchema }).strict();
const previewBody = z
  .object({
    definition: audienceDefinitionSchema,
    limit: z.number().int().min(0).max(1000).optional(),
    traits: z.array(z.string().min(1)).max(100).optional(),
  })
  .strict();
const sqlBody = z.object({ definition: audienceDefinitionSchema, dialect: dialectSchema.optional() }).strict();
const priorityBody = z.object({ definition: priorityListSchema }).strict();
const overlapBody = z.object({ audiences: z.array(audienceInputSchema).min(2).max(8) }).strict();

/** Writes chunks as they come, waiting while the client reads (backpressure); stops if it leaves. */
async function streamCsv(res: Response, filename: string, chunks: AsyncIterable<string>, log: Logger): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`);
  res.setHeader('Cache-Control', 'no-store');
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) break; // the generator's return closes the warehouse stream
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  } catch (error) {
    // Headers are sent: the only honest signal left is a broken response (no silent truncation).
    log.error({ err: scrubSecretText(error instanceof Error ? error.message : String(error)), file: filename }, 'members CSV broke off');
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

const traitsList = (text: string | undefined): string[] | undefined => text?.split(',').map((t) => t.trim()).filter(Boolean);

export function audienceRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const audiences = new AudienceService(ctx);
  return [
    route({
      method: 'get',
      path: '/api/audiences',
      response: z.array(AudienceSummarySchema),
      access: 'read',
      tag: 'audiences',
      summary: 'List audiences (files in git and saved in the UI); ?counts=true adds member counts',
      query: listQuery,
      handler: ({ query }) => audiences.list(query.counts ?? false),
    }),
    route({
      method: 'get',
      path: '/api/audience-catalog',
      response: AudienceCatalogSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'What conditions can use: traits with their kinds, events with their properties',
      handler: () => audiences.catalog(),
    }),
    route({
      method: 'post',
      path: '/api/audiences',
      response: AudienceDetailSchema,
      access: 'audiences:write',
      tag: 'audiences',
      summary: 'Save a new audience (validated against the warehouse); 409 if the name exists',
      errors: [409, 422],
      body: audienceDefinitionSchema,
      example: EXAMPLE_AUDIENCE,
      status: 201,
      handler: ({ body, principal }) => audiences.create(body, actorOf(principal!)),
    }),
    route({
      method: 'post',
      path: '/api/audiences/count',
      response: AudienceCountSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'Count the members of a draft definition (no save)',
      errors: [422],
      body: draftBody,
      example: { definition: EXAMPLE_AUDIENCE },
      handler: ({ body }) => audiences.count(body.definition, 'body.definition'),
    }),
    route({
      method: 'post',
      path: '/api/audiences/preview',
      response: AudiencePreviewSchema,
      access: 'profiles:read',
      tag: 'audiences',
      summary: 'Count, per-condition funnel and a sample of members of a draft definition',
      errors: [422],
      body: previewBody,
      example: { definition: EXAMPLE_AUDIENCE, limit: 20, traits: ['email', 'country'] },
      handler: ({ body, principal }) => audiences.preview(body.definition, 'body.definition', { limit: body.limit, traits: body.traits }, piiViewOf(principal)),
    }),
    route({
      method: 'post',
      path: '/api/audiences/sql',
      response: AudienceSqlSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'The SQL of a draft definition ("show SQL")',
      errors: [422],
      body: sqlBody,
      example: { definition: EXAMPLE_AUDIENCE, dialect: 'bigquery' },
      handler: ({ body }) => audiences.sql(body.definition, 'body.definition', body.dialect),
    }),
    route({
      method: 'post',
      path: '/api/priority-lists/counts',
      response: PriorityListCountsSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'Profiles per slot of a draft priority list: each profile counted in the first audience of the list that holds it',
      errors: [422],
      body: priorityBody,
      example: { definition: { name: 'offers', priority: ['german_buyers', 'newsletter'] } },
      handler: ({ body }) => audiences.priorityCounts(body.definition),
    }),
    route({
      method: 'post',
      path: '/api/audiences/explain',
      response: AudienceExplanationSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'A draft definition in plain words ("explain this audience"), traits by their labels',
      body: draftBody,
      example: { definition: EXAMPLE_AUDIENCE },
      handler: ({ body }) => audiences.explain(body.definition),
    }),
    route({
      method: 'post',
      path: '/api/audiences/overlap',
      response: AudienceOverlapSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'Overlap of 2–8 audiences (names or drafts): sizes, intersections, Venn regions',
      errors: [422],
      body: overlapBody,
      example: { audiences: ['german_buyers', EXAMPLE_AUDIENCE] },
      handler: ({ body }) => audiences.overlap(body.audiences),
    }),
    route({
      method: 'get',
      path: '/api/audiences/:name',
      response: AudienceDetailSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'One audience with its definition',
      params: nameParams,
      handler: ({ params }) => audiences.get(params.name),
    }),
    route({
      method: 'put',
      path: '/api/audiences/:name',
      response: AudienceDetailSchema,
      access: 'audiences:write',
      tag: 'audiences',
      summary: 'Replace the definition of an audience saved in the UI (file audiences are edited in git)',
      errors: [409, 422],
      params: nameParams,
      body: audienceDefinitionSchema,
      example: EXAMPLE_AUDIENCE,
      handler: ({ params, body, principal }) => audiences.update(params.name, body, actorOf(principal!)),
    }),
    route({
      method: 'delete',
      path: '/api/audiences/:name',
      access: 'audiences:write',
      tag: 'audiences',
      summary: 'Delete an audience saved in the UI; 409 while syncs use it unless ?force=true',
      errors: [409],
      params: nameParams,
      query: deleteQuery,
      status: 204,
      async handler({ params, query, principal }) {
        const usedBy = await syncsUsingAudience(ctx, params.name);
        await audiences.remove(params.name, actorOf(principal!), usedBy, query.force ?? false);
      },
    }),
    route({
      method: 'get',
      path: '/api/audiences/:name/count',
      response: AudienceCountSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'Member count of a saved audience',
      params: nameParams,
      handler: ({ params }) => audiences.count(params.name, 'params.name'),
    }),
    route({
      method: 'get',
      path: '/api/audiences/:name/preview',
      response: AudiencePreviewSchema,
      access: 'profiles:read',
      tag: 'audiences',
      summary: 'Count, funnel and a sample of members of a saved audience',
      params: nameParams,
      query: previewQuery,
      handler: ({ params, query, principal }) => audiences.preview(params.name, 'params.name', { limit: query.limit, traits: traitsList(query.traits) }, piiViewOf(principal)),
    }),
    route({
      method: 'get',
      path: '/api/audiences/:name/sql',
      response: AudienceSqlSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'The SQL of a saved audience',
      params: nameParams,
      query: sqlQuery,
      handler: ({ params, query }) => audiences.sql(params.name, 'params.name', query.dialect),
    }),
    route({
      method: 'get',
      path: '/api/audiences/:name/breakdown',
      response: AudienceBreakdownSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'Members of a saved audience by one trait: top values with counts and shares, a histogram for numbers',
      errors: [422],
      params: nameParams,
      query: breakdownQuery,
      handler: ({ params, query, principal }) => audiences.breakdown(params.name, query.trait, { top: query.top, bins: query.bins }, piiViewOf(principal)),
    }),
    route({
      method: 'get',
      path: '/api/audiences/:name/members.csv',
      response: AudienceMembersCsvSchema,
      mediaType: 'text/csv',
      access: 'profiles:read',
      tag: 'audiences',
      summary: 'Download the members of a saved audience as CSV (streamed; PII masked without pii:read)',
      errors: [422],
      params: nameParams,
      query: csvQuery,
      async handler({ params, query, principal, res }) {
        const csv = await audiences.membersCsv(params.name, traitsList(query.traits), piiViewOf(principal), actorOf(principal!));
        await streamCsv(res, `${params.name}.csv`, csv.chunks, ctx.log);
      },
    }),
    route({
      method: 'get',
      path: '/api/audiences/:name/history',
      response: z.array(AudienceSizePointSchema),
      access: 'read',
      tag: 'audiences',
      summary: 'Size history of an audience (from membership snapshots), newest first',
      params: nameParams,
      query: historyQuery,
      handler: ({ params, query }) => audiences.history(params.name, query.limit),
    }),
  ];
}
