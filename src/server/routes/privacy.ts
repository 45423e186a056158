import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { PrivacyService } from '../services/privacy.js';
import { DeletionReportSchema, PrivacyRequestViewSchema, SubjectExportSchema } from '../schemas/privacy.js';

const subjectFields = {
  idType: z.string().min(1).max(64).describe('an id type of the identity config, e.g. email'),
  value: z.string().min(1).max(1024).describe('the identifier value; normalised like identity resolution does'),
};
const deletionBody = z.object({ ...subjectFields, dryRun: z.boolean().optional().describe('report what would happen; change nothing') }).strict();
const exportBody = z.object(subjectFields).strict();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();
const idParams = z.object({ id: z.string().min(1).max(64) }).strict();

/** Right to erasure and right of access: admins only (`privacy:manage`). */
export function privacyRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const privacy = new PrivacyService(ctx);
  return [
    route({
      method: 'post',
      path: '/api/privacy/deletions',
      response: DeletionReportSchema,
      access: 'privacy:manage',
      tag: 'privacy',
      summary: 'Erase a person: suppress their identifiers, delete them at every destination that received them, delete their warehouse rows',
      errors: [422],
      body: deletionBody,
      example: { idType: 'email', value: 'jane@example.com', dryRun: true },
      status: 201,
      handler: ({ body, principal }) => privacy.delete({ idType: body.idType, value: body.value }, actorOf(principal!), { dryRun: body.dryRun }),
    }),
    route({
      method: 'post',
      path: '/api/privacy/exports',
      response: SubjectExportSchema,
      access: 'privacy:manage',
      tag: 'privacy',
      summary: 'Everything held about a person (profile, identifiers, consent, audiences, deliveries, source rows) as JSON',
      errors: [422],
      body: exportBody,
      example: { idType: 'email', value: 'jane@example.com' },
      handler: ({ body, principal }) => privacy.export({ idType: body.idType, value: body.value }, actorOf(principal!)),
    }),
    route({
      method: 'get',
      path: '/api/privacy/requests',
      response: z.array(PrivacyRequestViewSchema),
      access: 'privacy:manage',
      tag: 'privacy',
      summary: 'Deletion and export requests, newest first (the person only as a SHA-256)',
      query: listQuery,
      handler: ({ query }) => privacy.list(query.limit),
    }),
    route({
      method: 'get',
      path: '/api/privacy/requests/:id',
      response: PrivacyRequestViewSchema,
      access: 'privacy:manage',
      tag: 'privacy',
      summary: 'One privacy request with its report',
      params: idParams,
      handler: ({ params }) => privacy.get(params.id),
    }),
  ];
}
