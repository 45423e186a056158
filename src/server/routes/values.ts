import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { piiViewOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { ValueSuggestionService } from '../services/value-suggestions.js';

const traitParams = z.object({ name: z.string().min(1).max(200) }).strict();
const propertyParams = z.object({ name: z.string().min(1).max(200), prop: z.string().min(1).max(200) }).strict();
const valuesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('how many values (most frequent first)'),
    q: z.string().max(200).optional().describe('case-insensitive prefix of the value'),
  })
  .strict();

const counts = {
  kind: z.string(),
  values: z.array(z.object({ value: z.union([z.string(), z.number(), z.boolean()]), count: z.number() })),
  distinct: z.number().nullable().describe('distinct non-null values matching q (null when PII hid them)'),
  total: z.number().nullable().describe('rows holding a matching value (null when PII hid them)'),
  piiMasked: z.boolean().describe('PII-tagged and the caller lacks pii:read: no values are returned'),
};

/** Value suggestions for the audience builder: the most frequent values of a trait or an event property. */
export function valueRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const suggestions = new ValueSuggestionService(ctx);
  return [
    route({
      method: 'get',
      path: '/api/traits/:name/values',
      access: 'profiles:read',
      tag: 'audiences',
      summary: 'The most frequent values of a profile trait with profile counts, and how many distinct values it has',
      params: traitParams,
      query: valuesQuery,
      response: z.object({ trait: z.string(), ...counts }),
      handler: ({ params, query, principal }) => suggestions.traitValues(params.name, { limit: query.limit, q: query.q }, piiViewOf(principal)),
    }),
    route({
      method: 'get',
      path: '/api/events/:name/properties/:prop/values',
      access: 'profiles:read',
      tag: 'audiences',
      summary: 'The most frequent values of an event property with event counts, over every stream the event occurs in',
      params: propertyParams,
      query: valuesQuery,
      response: z.object({ event: z.string(), property: z.string(), ...counts }),
      handler: ({ params, query, principal }) =>
        suggestions.eventPropertyValues(params.name, params.prop, { limit: query.limit, q: query.q }, piiViewOf(principal)),
    }),
  ];
}
