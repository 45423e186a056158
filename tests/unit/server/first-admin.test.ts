import { afterAll, expect, it } from 'vitest';
import { ensureAdminFromEnv } from '../../../src/server/admin-bootstrap.js';
import { UserStore } from '../../../src/state/index.js';
import { captureLogger, tempProject } from './helpers.js';

// Messages never claim an environment variable was used when it was not (issue 19, item 8).
const { project, cleanup } = tempProject();
afterAll(cleanup);

it('the log names where the first admin came from: the environment, or whoever filled it in', async () => {
  const users = new UserStore((await project.state()).knex);
  const { logger, lines } = captureLogger();
  await ensureAdminFromEnv(users, { CDP_ADMIN_EMAIL: 'a@example.com', CDP_ADMIN_PASSWORD: 'password-long-1' }, logger);
  await ensureAdminFromEnv(users, { CDP_ADMIN_EMAIL: 'b@example.com', CDP_ADMIN_PASSWORD: 'password-long-2' }, logger, "the demo's default login");
  const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  expect(messages).toEqual(['created the first admin from CDP_ADMIN_EMAIL and CDP_ADMIN_PASSWORD', "created the first admin from the demo's default login"]);
});
