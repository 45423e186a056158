/**
 * The Alerts page in Debian's Chromium: an admin creates an alert rule (Slack-compatible webhook,
 * a local receiver), the form shows a refused address and a missing threshold at their fields,
 * "Send test" delivers through the stored webhook, then the rule is edited and deleted.
 */
import { expect, it } from 'vitest';
import { demoInChromium, describeInChromium, POLL } from './fixture.js';

describeInChromium('alerts in Chromium: create, test, edit and delete a rule', { timeout: 240_000 }, () => {
  const demo = demoInChromium(120);

  it('creates a rule in the form; errors show at their fields; a test message reaches the webhook', async () => {
    const { page, webhook } = demo;
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    await page.getByRole('button', { name: 'New alert rule' }).first().click();
    const form = page.getByRole('form', { name: 'New alert rule' });
    await form.getByLabel('Name').fill('ops-hook');
    await form.getByLabel('When').selectOption({ label: 'A sync has not run for a while' });
    const hours = form.getByLabel(/more than this many hours ago/);
    await hours.fill('');
    await form.getByLabel('Webhook URL').fill('http://10.9.8.7/services/T1/B2/secret-token');
    await form.getByRole('button', { name: 'Create rule' }).click();

    // A missing threshold: said at the field, which takes focus and points at the message.
    await expect.poll(() => hours.getAttribute('aria-invalid'), POLL).toBe('true');
    expect(await hours.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const describedBy = (await hours.getAttribute('aria-describedby'))!.split(' ');
    expect(await page.locator(`[id="${describedBy[0]}"]`).textContent()).toBe('Enter a number (hours).');

    // A private address: the service refuses it at the webhook field, in words, without the token.
    await hours.fill('12');
    await form.getByRole('button', { name: 'Create rule' }).click();
    const url = form.getByLabel('Webhook URL');
    await expect.poll(() => url.getAttribute('aria-invalid'), POLL).toBe('true');
    expect(await url.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const urlError = await page.locator(`[id="${(await url.getAttribute('aria-describedby'))!.split(' ')[0]}"]`).textContent();
    expect(urlError).toMatch(/^Webhook URL: refused to connect to 10\.9\.8\.7: not a public address/);
    expect(await form.textContent()).not.toMatch(/secret-token|body\.|PUT|POST/);
    expect(await hours.getAttribute('aria-invalid')).toBeNull();

    await url.fill(webhook.url);
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page.getByTestId('alert-status').getByText('Saved ops-hook.').waitFor();
    const row = page.getByTestId('alert-rule').filter({ hasText: 'ops-hook' });
    await expect.poll(() => row.textContent(), POLL).toContain('no run for 12 hours');
    const stored = (await (await page.request.get('/api/alerts/rules/ops-hook')).json()) as { condition: unknown; channel: unknown };
    expect(stored).toMatchObject({ condition: { on: 'stale', hours: 12 }, channel: { type: 'slack', url: { set: true } } });

    const before = webhook.batches.length;
    await row.getByRole('button', { name: 'Send test' }).click();
    await page.getByTestId('alert-status').getByText(/Test message for ops-hook sent/).waitFor();
    const sent = webhook.batches.slice(before) as unknown as Array<{ text: string; blocks: unknown[] }>;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain('Test alert from cdp (rule ops-hook)');
    expect(sent[0]!.blocks.length).toBe(2);
  });

  it('edits the rule keeping the stored webhook, then deletes it', async () => {
    const { page } = demo;
    const row = page.getByTestId('alert-rule').filter({ hasText: 'ops-hook' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit alert rule ops-hook' });
    expect(await form.getByLabel('Webhook URL').getAttribute('placeholder')).toBe('stored (unchanged)');
    await form.getByLabel(/more than this many hours ago/).fill('30');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.getByTestId('alert-status').getByText('Saved ops-hook.').waitFor();
    await expect.poll(() => row.textContent(), POLL).toContain('no run for 30 hours');
    expect(((await (await page.request.get('/api/alerts/rules/ops-hook')).json()) as { channel: unknown }).channel).toEqual({ type: 'slack', url: { set: true } });

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete rule' }).click();
    await page.getByTestId('alert-status').getByText('Deleted ops-hook.').waitFor();
    await expect.poll(() => page.getByTestId('alert-rule').filter({ hasText: 'ops-hook' }).count(), POLL).toBe(0);
    expect((await page.request.get('/api/alerts/rules/ops-hook')).status()).toBe(404);
  });
});

describeInChromium('errors at the field in the destination editor', { timeout: 240_000 }, () => {
  const demo = demoInChromium(60);

  it('a refused webhook address is shown at the URL field, which takes focus', async () => {
    const { page } = demo;
    await page.goto('/destinations/new');
    await page.getByLabel('Name').fill('private-hook');
    await page.getByLabel('Type').selectOption('webhook');
    const url = page.getByLabel(/^URL/);
    await url.fill('http://10.0.0.5/hooks/cdp');
    await page.getByRole('button', { name: 'Add destination' }).click();
    await expect.poll(() => url.getAttribute('aria-invalid'), POLL).toBe('true');
    expect(await url.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const ids = (await url.getAttribute('aria-describedby'))!.split(' ');
    for (const id of ids) expect(await page.locator(`[id="${id}"]`).count()).toBe(1);
    expect(await page.locator(`[id="${ids[0]}"]`).textContent()).toMatch(/^Refused to connect to 10\.0\.0\.5: not a public address/);
    const form = (await page.getByRole('form', { name: 'Destination' }).textContent()) ?? '';
    expect(form).not.toMatch(/body\.|config\.url|POST|PUT/);
    // Fixed, the field is valid again and the destination is saved.
    await url.fill(demo.webhook.url);
    await page.getByRole('button', { name: 'Add destination' }).click();
    await page.waitForURL('**/destinations/private-hook');
  });

  it('the sync editor shows a bad cron expression at its field', async () => {
    const { page } = demo;
    await page.goto('/syncs/new');
    await page.getByLabel('Audience', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Destination', { exact: true }).selectOption('private-hook');
    await page.getByRole('radio', { name: 'Custom (cron)' }).check();
    const cron = page.getByLabel('Cron expression');
    await cron.fill('every day');
    await page.getByRole('button', { name: 'Create sync' }).click();
    await expect.poll(() => cron.getAttribute('aria-invalid'), POLL).toBe('true');
    expect(await cron.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const [errorId] = (await cron.getAttribute('aria-describedby'))!.split(' ');
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toMatch(/^A cron expression has five fields/);
  });
});
