import { z } from 'zod';
import { explainIdentifier } from '../../identity/index.js';
import { CdpError, isCdpError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { identityStats } from '../services/identity.js';
import { piiViewOf } from '../principal.js';
import { maskExplanation, ProfileService } from '../services/profiles.js';
import { IdentityExplanationSchema, IdentityStatsSchema, ProfileViewSchema } from '../schemas/identity.js';

const lookupQuery = z
  .object({
    id_type: z.string().min(1).max(64).describe('an id type of the identity config, e.g. email'),
    value: z.string().min(1).max(1024),
    events: z.coerce.number().int().min(0).max(500).default(50).describe('how many recent events'),
  })
  .strict();

const explainQuery = z.object({ id_type: z.string().min(1).max(64), value: z.string().min(1).max(1024) }).strict();
const profileParams = z.object({ id: z.string().min(1).max(255) }).strict();
const eventsQuery = z.object({ events: z.coerce.number().int().min(0).max(500).default(50) }).strict();

export function identityRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const profiles = new ProfileService(ctx);
  return [
    route({
      method: 'get',
      path: '/api/identity/stats',
      response: IdentityStatsSchema,
      access: 'read',
      tag: 'identity',
      summary: 'Profiles, identifiers per type, records per source, merges',
      handler: () => identityStats(ctx),
    }),
    route({
      method: 'get',
      path: '/api/identity/explain',
      response: IdentityExplanationSchema,
      access: 'profiles:read',
      tag: 'identity',
      summary: 'Why an identifier is (or is not) in a profile: normalised value, drops, the chain of records linking it',
      query: explainQuery,
      async handler({ query, principal }) {
        try {
          return maskExplanation(ctx.project, await explainIdentifier(ctx.project, query.id_type, query.value), piiViewOf(principal));
        } catch (error) {
          if (isCdpError(error) && error.code === 'INVALID_INPUT' && !error.location.path) {
            throw new CdpError('INVALID_INPUT', error.message, { location: { path: 'query.id_type' }, hint: error.hint });
          }
          throw error;
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/profiles',
      response: ProfileViewSchema,
      access: 'profiles:read',
      tag: 'profiles',
      summary: 'Look a profile up by any identifier: traits, identifiers, sources, recent events',
      errors: [404],
      query: lookupQuery,
      handler: ({ query, principal }) => profiles.lookup(query.id_type, query.value, query.events, piiViewOf(principal)),
    }),
    route({
      method: 'get',
      path: '/api/profiles/:id',
      response: ProfileViewSchema,
      access: 'profiles:read',
      tag: 'profiles',
      summary: 'A profile by id (a merged-away id resolves to its new profile)',
      params: profileParams,
      query: eventsQuery,
      handler: ({ params, query, principal }) => profiles.get(params.id, query.events, piiViewOf(principal)),
    }),
  ];
}
