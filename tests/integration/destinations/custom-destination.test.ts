/**
 * docs/extending.md's recipe "add a destination", followed once: a test-only destination (a
 * made-up "Notebook" API) written as a folder of verbs over the template and registered through
 * the public registry. A sync to it runs end to end like any built-in one: the connection check,
 * per-record rejections, mirror-mode removals, the secret only in the Authorization header.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseUrlSchema,
  defineDestination,
  DestinationError,
  listDestinations,
  ok,
  parseJsonResponse,
  registerDestination,
  rejected,
  resultForStatus,
  sameForAll,
  secretSchema,
  type HttpClient,
  type Row,
  type SecretReader,
} from '../../../src/destinations/index.js';
import { checkSyncDestination, runSync } from '../../../src/syncs/index.js';
import { startFakeServer, type FakeServer } from '../../fixtures/vendors/server.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

// ---- the destination: config, the vendor's answers (zod), verbs ----

const notebookConfig = z.object({ api_key: secretSchema, base_url: baseUrlSchema }).strict();
type NotebookConfig = z.output<typeof notebookConfig>;

/** The vendor's answer to PUT /v1/notes: one result per note, in order. */
const putAnswer = z.object({ results: z.array(z.object({ id: z.string(), ok: z.boolean(), error: z.string().optional() })) });

function api(http: HttpClient, config: NotebookConfig, secret: SecretReader): HttpClient {
  return http.with({ baseUrl: config.base_url, headers: { authorization: `Bearer ${secret(config.api_key)}` } });
}

const notebook = defineDestination<NotebookConfig>({
  type: 'test_notebook',
  label: 'Notebook (test only)',
  config: notebookConfig,
  modes: ['upsert', 'mirror'],
  batchSize: 3,
  rateLimit: { requests: 100, perSeconds: 1 },
  async check(config, ctx) {
    const response = await api(ctx.http, config, ctx.secret).request({ method: 'GET', path: '/v1/me' });
    if (response.status !== 200) throw new DestinationError(`Notebook answered HTTP ${response.status}`, { hint: 'check api_key' });
  },
  async upsert(rows, ctx) {
    const body = JSON.stringify({ notes: rows.map((r) => ({ id: r.key, ...r.fields })) });
    const response = await api(ctx.http, ctx.config, ctx.secret).request({ method: 'PUT', path: '/v1/notes', headers: { 'content-type': 'application/json' }, body });
    if (response.status !== 200) return sameForAll(rows, resultForStatus(response));
    const { results } = parseJsonResponse(response, putAnswer, 'Notebook');
    return results.map((r) => (r.ok ? ok() : rejected(r.error ?? 'refused')));
  },
  async remove(rows: Row[], ctx) {
    const body = JSON.stringify({ ids: rows.map((r) => r.key) });
    const response = await api(ctx.http, ctx.config, ctx.secret).request({ method: 'POST', path: '/v1/notes/delete', headers: { 'content-type': 'application/json' }, body });
    return sameForAll(rows, resultForStatus(response));
  },
});
registerDestination(notebook);

// ---- a fake Notebook API: notes by id, rejects notes without an email ----

const KEY = 'nb-secret-key-123';
const notes = new Map<string, Record<string, unknown>>();
let vendor: FakeServer;
let t: TestProject;

beforeAll(async () => {
  vendor = await startFakeServer((request) => {
    if (request.headers.authorization !== `Bearer ${KEY}`) return { status: 401, body: { error: 'bad key' } };
    if (request.method === 'GET' && request.path === '/v1/me') return { body: { name: 'test' } };
    if (request.method === 'PUT' && request.path === '/v1/notes') {
      const { notes: batch } = JSON.parse(request.body) as { notes: Array<{ id: string; email?: string | null }> };
      return {
        body: {
          results: batch.map((note) => {
            if (!note.email) return { id: note.id, ok: false, error: 'email is required' };
            notes.set(note.id, note);
            return { id: note.id, ok: true };
          }),
        },
      };
    }
    if (request.method === 'POST' && request.path === '/v1/notes/delete') {
      for (const id of (JSON.parse(request.body) as { ids: string[] }).ids) notes.delete(id);
      return { status: 204 };
    }
    return { status: 404 };
  });
  t = await makeProject();
  process.env.CDP_TEST_NOTEBOOK_KEY = KEY;
});
afterAll(async () => {
  await vendor?.close();
  await t?.close();
});

const syncYaml = (key: string) => `name: to_notebook
from: { model: people }
key: id
destination:
  type: test_notebook
  config: { api_key: { env: ${key} }, base_url: ${vendor.url} }
mode: mirror
fields: { email: email, first_name: first_name }
`;

it('is listed with the built-in destinations', () => {
  expect(listDestinations().map((d) => d.type)).toEqual(expect.arrayContaining(['test_notebook', 'webhook']));
});

it('checks the connection with the secret, and refuses a wrong key with the destination hint', async () => {
  process.env.CDP_TEST_NOTEBOOK_WRONG = 'wrong';
  t.writeSync('to_notebook', syncYaml('CDP_TEST_NOTEBOOK_WRONG'));
  await expect(checkSyncDestination(t.project, 'to_notebook')).rejects.toThrow(/Notebook answered HTTP 401/);
  t.writeSync('to_notebook', syncYaml('CDP_TEST_NOTEBOOK_KEY'));
  await expect(checkSyncDestination(t.project, 'to_notebook')).resolves.toBeUndefined();
});

it('syncs a model in mirror mode: per-record rejections, then removals of the rows that left', async () => {
  t.writeSync('to_notebook', syncYaml('CDP_TEST_NOTEBOOK_KEY'));
  const rows = people(7);
  rows[2]!.email = null;
  await loadPeople(t.project, rows);
  const first = await runSync(t.project, 'to_notebook');
  expect(first.status).toBe('partial');
  expect(first.counts).toMatchObject({ sent: 7, ok: 6, rejected: 1 });
  expect(first.firstErrors).toEqual([{ key: 'p000002', op: 'upsert', status: 'rejected', error: 'email is required' }]);
  expect([...notes.keys()].sort()).toEqual(['p000000', 'p000001', 'p000003', 'p000004', 'p000005', 'p000006']);
  expect(notes.get('p000001')).toEqual({ id: 'p000001', email: 'user1@example.com', first_name: 'Name1' });

  await loadPeople(t.project, people(7).slice(0, 4));
  const second = await runSync(t.project, 'to_notebook');
  expect(second.status).toBe('success');
  expect(second.plan).toMatchObject({ removed: 3 });
  expect([...notes.keys()].sort()).toEqual(['p000000', 'p000001', 'p000002', 'p000003']);
  // The key travels only in the Authorization header.
  expect(vendor.requests.every((r) => !r.body.includes(KEY))).toBe(true);
});
