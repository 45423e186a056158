import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import { parseConfig, type CdpConfigInput } from '../../../src/config/index.js';
import { Project } from '../../../src/project/index.js';
import { parseSecretKey } from '../../../src/secrets/index.js';
import { appContext, createApp, type AppOptions } from '../../../src/server/index.js';
import type { ServerContext } from '../../../src/server/index.js';
import { ROLES, type Role } from '../../../src/auth/index.js';

export const TEST_KEY = parseSecretKey('a'.repeat(64));

/** A project in a fresh temp dir: in-memory DuckDB warehouse, SQLite state store in the dir. */
export function tempProject(overrides: Partial<CdpConfigInput> = {}): { project: Project; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-server-'));
  const config = parseConfig({
    warehouse: { type: 'duckdb', path: ':memory:' },
    state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
    ...overrides,
  });
  const project = new Project(dir, join(dir, 'cdp.config.ts'), config);
  return {
    project,
    async cleanup() {
      await project.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A pino logger writing every line (trace and up) into `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

export interface TestApp {
  app: Express;
  ctx: ServerContext;
  /** A bearer token per role. */
  tokens: Record<Role, string>;
  /** User id per role. */
  userIds: Record<Role, number>;
}

/** An app with one user (password `password-<role>`) and one API token per role. */
export async function testApp(project: Project, options: AppOptions = {}): Promise<TestApp> {
  const app = await createApp(project, { secretKey: TEST_KEY, webDir: null, ...options });
  const ctx = appContext(app);
  const tokens = {} as Record<Role, string>;
  const userIds = {} as Record<Role, number>;
  for (const role of ROLES) {
    const user = await ctx.users.create({ email: `${role}@example.com`, role, password: `password-${role}` });
    userIds[role] = user.id;
    tokens[role] = (await ctx.tokens.create(user.id, `${role} token`)).token;
  }
  return { app, ctx, tokens, userIds };
}
