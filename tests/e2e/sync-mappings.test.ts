/**
 * The sync editor's rich field mappings in Debian's Chromium: a field that sends the profile's
 * preferred identifier from the identity graph (`{ identifier, prefer }`), its error shown at its
 * row, and a timestamp trait sent as a date (`{ column, as: date }`): saved as written, opened
 * again in the editor as written, and planned by the API.
 */
import { expect, it } from 'vitest';
import { demoInChromium, describeInChromium, POLL } from './fixture.js';

const AUDIENCE = 'newsletter_engaged';
const SYNC = `${AUDIENCE}_to_id_hook`;

describeInChromium('sync editor in Chromium: a field sending the preferred identifier', { timeout: 240_000 }, () => {
  const demo = demoInChromium(300);

  it('shows an unknown id type at its row, saves the identifier mapping, opens it again as written, and plans', async () => {
    const { page } = demo;
    expect((await page.request.post('/api/destinations', { data: { name: 'id-hook', type: 'webhook', config: { url: demo.webhook.url } } })).status()).toBe(201);
    await page.goto(`/syncs/new?audience=${AUDIENCE}`);
    await expect.poll(() => page.getByLabel('Audience', { exact: true }).inputValue(), POLL).toBe(AUDIENCE);
    await page.getByLabel('Destination', { exact: true }).selectOption('id-hook');
    await page.getByRole('radio', { name: /^upsert/ }).check();
    await expect.poll(() => page.getByRole('combobox', { name: 'Destination field 1' }).inputValue(), POLL).toBe('email');

    // Field 1 sends an identifier from the graph instead of the email trait; first a wrong id type.
    await page.getByLabel('What field 1 sends').selectOption('identifier');
    const idType = page.getByRole('combobox', { name: 'Identifier type 1' });
    await idType.fill('e_mail');
    await page.getByRole('button', { name: 'Create sync' }).click();
    await expect.poll(() => idType.getAttribute('aria-invalid'), POLL).toBe('true');
    const describedBy = (await idType.getAttribute('aria-describedby'))!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/"e_mail" is not an id type of identity/);
    expect(await page.getByText('Not saved').count()).toBe(0);
    // Focus lands on the row: its first control, marked invalid and described by the same message.
    const field = page.getByRole('combobox', { name: 'Destination field 1' });
    expect(await field.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    expect(await field.getAttribute('aria-describedby')).toBe(describedBy);
    expect((await page.request.get(`/api/syncs/${SYNC}`)).status()).toBe(404);

    await idType.fill('email');
    await page.getByLabel('Which identifier field 1 sends').selectOption('most_frequent');
    // A custom field (the webhook lists none) that takes a timestamp trait as a day.
    const n = (await page.getByRole('button', { name: /^Remove mapping/ }).count()) + 1;
    await page.getByRole('button', { name: '+ Add field' }).click();
    await page.getByRole('combobox', { name: `Destination field ${n}` }).fill('last_order_day');
    await page.getByRole('combobox', { name: `Audience column ${n}` }).focus();
    await page.keyboard.type('last_order_at');
    await page.getByRole('option', { name: /^last_order_at/ }).click();
    await page.getByLabel(`Date format of field ${n}`).selectOption('date');
    await page.getByRole('button', { name: 'Create sync' }).click();
    await page.waitForURL(`**/syncs/${SYNC}`);
    await page.getByText('identity graph: email, most_frequent').waitFor();
    const saved = (await (await page.request.get(`/api/syncs/${SYNC}`)).json()) as { mappings: Record<string, unknown> };
    expect(saved.mappings.email).toEqual({ identifier: 'email', prefer: 'most_frequent' });
    expect(saved.mappings.last_order_day).toEqual({ column: 'last_order_at', as: 'date' });

    // The editor opens the mapping as written, and saving it again keeps it.
    await page.goto(`/syncs/${SYNC}/edit`);
    await expect.poll(() => page.getByLabel('What field 1 sends').inputValue(), POLL).toBe('identifier');
    expect(await page.getByRole('combobox', { name: 'Identifier type 1' }).inputValue()).toBe('email');
    expect(await page.getByLabel('Which identifier field 1 sends').inputValue()).toBe('most_frequent');
    expect(await page.getByLabel(`Date format of field ${n}`).inputValue()).toBe('date');
    await page.getByRole('button', { name: 'Save sync' }).click();
    await page.waitForURL(`**/syncs/${SYNC}`);
    const again = (await (await page.request.get(`/api/syncs/${SYNC}`)).json()) as { mappings: Record<string, unknown> };
    expect(again.mappings).toEqual(saved.mappings);

    // It plans: every member, the email field from the graph (normalised: trimmed, lower case).
    const members = ((await (await page.request.get(`/api/audiences/${AUDIENCE}/count`)).json()) as { count: number }).count;
    expect(members).toBeGreaterThan(0);
    const dry = await page.request.post(`/api/syncs/${SYNC}/dry-run`, { data: {} });
    expect(dry.status(), await dry.text()).toBe(200);
    const plan = (await dry.json()) as { status: string; plan: { upserts: number }; sample: Array<{ fields: { email: string | null; last_order_day: string | null } }> };
    expect(plan).toMatchObject({ status: 'dry_run', plan: { upserts: members } });
    const emails = plan.sample.map((row) => row.fields.email).filter((email): email is string => email !== null);
    expect(emails.length).toBeGreaterThan(0);
    for (const email of emails) expect(email).toBe(email.trim().toLowerCase());
    const days = plan.sample.map((row) => row.fields.last_order_day).filter((day) => day !== null);
    expect(days.length).toBeGreaterThan(0);
    for (const day of days) expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
