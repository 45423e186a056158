import { z } from 'zod';
import type { AnyRouteSpec } from './routing.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  try {
    const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', cycles: 'ref', reused: 'inline' }) as JsonSchema;
    delete out.$schema;
    return out;
  } catch {
    // A schema JSON Schema cannot express (custom refinements on recursive types): documented loosely.
    return {};
  }
}

/** `/api/syncs/:name` → `/api/syncs/{name}` */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

const ERROR_RESPONSE = {
  description: 'Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              path: { type: ['string', 'null'], description: 'the field at fault, e.g. body.config.url' },
              hint: { type: 'string' },
            },
            required: ['code', 'message', 'path'],
          },
        },
        required: ['error'],
      },
    },
  },
};

/** The OpenAPI 3.1 document for the registered routes (served at /api/openapi.json). */
export function buildOpenApi(specs: readonly AnyRouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const path = openApiPath(spec.path);
    const status = String(spec.status ?? 200);
    const operation: JsonSchema = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: `${spec.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      'x-cdp-access': spec.access,
      parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
      ...(spec.access === 'public' ? { security: [] } : spec.access === 'writeKey' ? { security: [{ writeKey: [] }] } : {}),
      responses: {
        [status]:
          status === '204'
            ? { description: 'No content' }
            : { description: 'OK', content: { 'application/json': { schema: spec.response ? jsonSchema(spec.response, 'output') : {} } } },
        default: ERROR_RESPONSE,
      },
    };
    if (spec.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } };
    }
    (paths[path] ??= {})[spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CDP service API',
      version,
      description:
        'REST API of `cdp serve`. Authenticate with the session cookie from POST /api/auth/login, or `Authorization: Bearer cdp_...`. ' +
        'Each operation lists the permission it needs in `x-cdp-access`. Errors are `{error: {code, message, path}}`.',
    },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'cdp_session' },
        bearer: { type: 'http', scheme: 'bearer' },
        writeKey: { type: 'http', scheme: 'basic', description: 'A source’s write key as the username, no password (the /v1 collection API)' },
      },
    },
    security: [{ session: [] }, { bearer: [] }],
    paths,
  };
}
