import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { documentedShape } from '../util/json-schema.js';
import type { AnyRouteSpec, ErrorStatus } from './routing.js';

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

const COMPONENTS = '#/components/schemas/';

/**
 * Turns zod schemas into JSON Schema for the document, collecting every named schema
 * (`.meta({ id })`, recursive ones included) as a component that operations `$ref`.
 */
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};
  /** Structural twins of opaque schemas (src/util/json-schema.ts) still to convert, by component name. */
  private readonly pending = new Map<string, { shape: z.ZodType; io: Io }>();

  convert(schema: z.ZodType, io: Io): JsonSchema {
    const out = z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      cycles: 'ref',
      reused: 'inline',
      override: (ctx) => {
        const shape = documentedShape(ctx.zodSchema);
        if (!shape) return;
        const id = z.globalRegistry.get(shape)?.id;
        if (!id) throw new Error('a documentedAs shape needs .meta({ id })');
        for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[key];
        Object.assign(ctx.jsonSchema, { $ref: `${COMPONENTS}${id}` });
        if (!this.components[id]) this.pending.set(id, { shape, io });
      },
    }) as JsonSchema;
    const converted = this.hoist(out, io);
    this.drain();
    return converted;
  }

  /** Moves `$defs` into the components (renaming one that clashes) and points refs there. */
  private hoist(schema: JsonSchema, io: Io): JsonSchema {
    const { $defs = {}, $schema: _, ...rest } = schema as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const rename = (names: ReadonlyMap<string, string>) => (value: JsonSchema): JsonSchema =>
      JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `${COMPONENTS}${names.get(v.slice(8)) ?? v.slice(8)}` : v)) as JsonSchema;
    const asIs = rename(new Map());
    const names = new Map(Object.entries($defs).map(([name, def]) => [name, this.nameFor(name, asIs(def), io)]));
    const rewrite = rename(names);
    for (const [name, def] of Object.entries($defs)) this.components[names.get(name)!] = rewrite(def);
    return rewrite(rest);
  }

  /** A component name: the schema's id, or with the io appended when input and output differ. */
  private nameFor(name: string, def: JsonSchema, io: Io): string {
    const base = name.startsWith('__schema') ? `Schema${Object.keys(this.components).length}` : name;
    const existing = this.components[base];
    if (!existing || isDeepStrictEqual(existing, def)) return base;
    return io === 'input' ? `${base}Input` : `${base}Output`;
  }

  private drain(): void {
    for (const [id, { shape, io }] of this.pending) {
      this.pending.delete(id);
      const json = this.convert(shape, io);
      // The shape's own conversion is a $ref to its hoisted self.
      if (json.$ref !== `${COMPONENTS}${id}`) this.components[id] = json;
    }
  }
}

/** `/api/syncs/:name` → `/api/syncs/{name}` */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schemas: SchemaCollector, schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemas.convert(schema, 'input');
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

const ERROR_SCHEMA = {
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
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
};

const ERROR_MEANING: Record<ErrorStatus, string> = {
  400: 'Bad input (INVALID_INPUT or MALFORMED_JSON); `error.path` names the field',
  401: 'Not signed in, or a bad API token (UNAUTHENTICATED)',
  403: 'The caller’s role lacks the permission in `x-cdp-access`, or a cross-site request (FORBIDDEN)',
  404: 'No such resource (NOT_FOUND or a *_NOT_FOUND code); `error.path` names the parameter',
  409: 'Conflicts with the current state: the name exists, it is in use, it is defined in git, or it is running (CONFLICT)',
  413: 'The request body is too large (PAYLOAD_TOO_LARGE)',
  422: 'Valid JSON that the project cannot accept: an invalid definition or configuration',
  429: 'Too many attempts; see Retry-After (TOO_MANY_REQUESTS)',
  501: 'Not available in this build (NOT_IMPLEMENTED)',
  502: 'The destination answered with an error (DESTINATION)',
  503: 'The service is shutting down (SHUTTING_DOWN)',
};

const SAFE = new Set(['get', 'head', 'options']);

/**
 * The error statuses of a route: what the route table makes happen (bad input, no credentials,
 * a missing permission, an unknown path parameter), plus those the route declares.
 */
export function errorStatuses(spec: AnyRouteSpec): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(spec.errors ?? []);
  if (spec.params || spec.query || spec.body || !SAFE.has(spec.method)) statuses.add(400);
  if (spec.access !== 'public') statuses.add(401);
  // Writes with the session cookie are checked for a cross-site origin (403) on every route.
  if (spec.access !== 'public' && (spec.access !== 'authenticated' || !SAFE.has(spec.method))) statuses.add(403);
  if (/:[A-Za-z]/.test(spec.path)) statuses.add(404);
  if (spec.body) statuses.add(413);
  return [...statuses].sort((a, b) => a - b);
}

/** Whether the server takes the route without a body (an absent body is read as `{}`). */
export function bodyRequired(spec: AnyRouteSpec): boolean {
  return spec.body !== undefined && !spec.body.safeParse({}).success;
}

function content(schema: JsonSchema, example?: unknown, mediaType = 'application/json'): JsonSchema {
  return { [mediaType]: { schema, ...(example === undefined ? {} : { example }) } };
}

function responses(schemas: SchemaCollector, spec: AnyRouteSpec): Record<string, JsonSchema> {
  const status = String(spec.status ?? 200);
  const out: Record<string, JsonSchema> = {
    [status]:
      status === '204'
        ? { description: 'No content' }
        : status === '303'
          ? { description: 'See Other: the browser goes on to the `Location` header', headers: { Location: { schema: { type: 'string' } } } }
          : { description: 'OK', content: content(spec.response ? schemas.convert(spec.response, 'output') : {}, undefined, spec.mediaType) },
  };
  for (const [code, other] of Object.entries(spec.alsoAnswers ?? {})) out[code] = { description: other.description, content: content(schemas.convert(other.schema, 'output')) };
  for (const code of errorStatuses(spec)) out[String(code)] = { description: ERROR_MEANING[code], content: content({ $ref: `${COMPONENTS}Error` }) };
  out.default = { description: 'Any other error (5XX: see the service log)', content: content({ $ref: `${COMPONENTS}Error` }) };
  return out;
}

const record = z.record(z.string(), z.unknown());

/** The document's own shape (GET /api/openapi.json), at the depth a client reads it. */
export const openApiDocumentSchema = z
  .object({
    openapi: z.literal('3.1.0'),
    info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
    components: z.object({ schemas: z.record(z.string(), record), securitySchemes: z.record(z.string(), record) }),
    security: z.array(z.record(z.string(), z.array(z.string()))),
    paths: z.record(z.string(), z.record(z.string(), record)),
  })
  .meta({ id: 'OpenApiDocument' });

/** The OpenAPI 3.1 document for the registered routes (served at /api/openapi.json). */
export function buildOpenApi(specs: readonly AnyRouteSpec[], version: string): JsonSchema {
  const schemas = new SchemaCollector();
  schemas.components.Error = ERROR_SCHEMA;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const path = openApiPath(spec.path);
    const operation: JsonSchema = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: `${spec.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      'x-cdp-access': spec.access,
      parameters: [...parameters(schemas, spec.params, 'path'), ...parameters(schemas, spec.query, 'query')],
      ...(spec.access === 'public' ? { security: [] } : spec.access === 'writeKey' ? { security: [{ writeKey: [] }] } : {}),
    };
    if (spec.body) {
      operation.requestBody = { required: bodyRequired(spec), content: content(schemas.convert(spec.body, 'input'), spec.example) };
    }
    operation.responses = responses(schemas, spec);
    (paths[path] ??= {})[spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CDP service API',
      version,
      description:
        'REST API of `cdp serve`. Authenticate with the session cookie from POST /api/auth/login, or `Authorization: Bearer cdp_...`. ' +
        'Each operation lists the permission it needs in `x-cdp-access`. Errors are `{error: {code, message, path}}`; ' +
        'a method a path does not take answers 405 with an `Allow` header.',
    },
    components: {
      schemas: schemas.components,
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
