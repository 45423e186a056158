import { z } from 'zod';
import { can } from '../../auth/index.js';
import type { ServerContext } from '../context.js';
import { actorOf, type Principal } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { PairExplainSchema, ProfileMatchesSchema, ReviewAnswerResultSchema, ReviewAnswerSchema, ReviewQueueSchema } from '../schemas/identity.js';
import { MatchReviewService, type PairView } from '../services/match-review.js';

const key = z.string().min(1).max(500);
const source = z.string().min(1).max(200);
const pairQuery = z.object({ left_source: source, left_key: key, right_source: source, right_key: key }).strict();
const recordRef = z.object({ source, recordKey: key }).strict();
const answerBody = z.object({ left: recordRef, right: recordRef, answer: ReviewAnswerSchema }).strict();
const queueQuery = z
  .object({
    band: z.coerce.number().gt(0).max(0.25).default(0.1).describe('match probability distance from the threshold (at most 0.25)'),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    status: z.enum(['open', 'all']).default('open').describe('open: pairs nobody answered yet'),
  })
  .strict();

/** Record keys for roles with profile access, compared values for roles with pii:read. */
function viewOf(principal: Principal | null): PairView {
  const role = principal?.user.role;
  return { keys: !!role && can(role, 'profiles:read'), values: !!role && can(role, 'pii:read') };
}

/** Probabilistic matching: a pair's match weights, a profile's links, and the review queue (docs/probabilistic.md, "Review"). */
export function identityReviewRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const service = new MatchReviewService(ctx);
  return [
    route({
      method: 'get',
      path: '/api/identity/pairs/explain',
      response: PairExplainSchema,
      access: 'profiles:read',
      tag: 'identity',
      summary: 'Match weights of two records: prior, each comparison level with m, u and log2 Bayes factor (+ term frequency), probability',
      errors: [404],
      query: pairQuery,
      handler: ({ query, principal }) =>
        service.explain({ source: query.left_source, recordKey: query.left_key }, { source: query.right_source, recordKey: query.right_key }, viewOf(principal)),
    }),
    route({
      method: 'get',
      path: '/api/profiles/:id/matches',
      response: ProfileMatchesSchema,
      access: 'profiles:read',
      tag: 'profiles',
      summary: "A profile's probabilistic links, each with its match weights",
      errors: [404],
      params: z.object({ id: z.string().min(1).max(255) }).strict(),
      query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }).strict(),
      handler: ({ params, query, principal }) => service.profileMatches(params.id, query.limit, viewOf(principal)),
    }),
    route({
      method: 'get',
      path: '/api/identity/review',
      response: ReviewQueueSchema,
      access: 'read',
      tag: 'identity',
      summary: 'Record pairs near the match threshold, closest first, with their answers',
      errors: [404],
      query: queueQuery,
      handler: ({ query, principal }) => service.queue(query, viewOf(principal)),
    }),
    route({
      method: 'post',
      path: '/api/identity/review/answers',
      response: ReviewAnswerResultSchema,
      access: 'models:run',
      tag: 'identity',
      summary: 'Answer a pair of the review queue: match / non_match (labels for the next full build) or skip',
      errors: [404],
      body: answerBody,
      example: { left: { source: 'crm_contacts', recordKey: '17' }, right: { source: 'crm_contacts', recordKey: '342' }, answer: 'match' },
      handler: ({ body, principal }) => service.answer(body.left, body.right, body.answer, actorOf(principal!)),
    }),
  ];
}
