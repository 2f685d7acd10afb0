// Outbound integrations from the browser: an endpoint pointing at a receiver inside this
// test, a webhook integration on the example form's Status Updates trigger, an alert
// started from the UI, and its run followed on the Activity page to a signed 200 that the
// receiver really got; then re-sent, and both deleted. Only 127.0.0.1 is ever called.
import { test, expect } from '@playwright/test';
import { startReceiver } from './receiver';
import { installExampleIfMissing, openHydrated, startExampleAlert } from './support';

test('a webhook integration delivers a signed status update that Activity shows', async ({ page }, testInfo) => {
  const receiver = await startReceiver();
  try {
    const stamp = Date.now();
    const endpointName = `Receiver ${stamp}`;
    const integrationName = `Status to receiver ${stamp}`;
    await installExampleIfMissing(page);

    // An endpoint in the example workflow: a bad base URL is refused with the store's words first.
    await openHydrated(page, '/endpoints');
    await page.getByRole('region', { name: 'Example: Service desk' }).getByRole('button', { name: '+ New endpoint' }).click();
    const editor = page.getByRole('region', { name: 'Endpoint editor' });
    await editor.getByLabel('Endpoint name').fill(endpointName);
    await editor.getByLabel('Base URL').fill('ftp://x');
    await editor.getByRole('button', { name: 'Create endpoint' }).click();
    await expect(editor.getByRole('alert')).toContainText('must be an http:// or https:// URL');

    await editor.getByLabel('Base URL').fill(`${receiver.url}/base`);
    await editor.getByRole('button', { name: 'Create endpoint' }).click();
    await expect(editor.getByRole('status')).toContainText('it is not shown again');
    await expect(editor.getByRole('textbox', { name: 'Signing secret', exact: true })).toHaveValue(/^whsec_/);
    await expect(editor.getByRole('alert')).toHaveCount(0);
    const listed = page.getByRole('region', { name: 'Example: Service desk' }).getByRole('listitem').filter({ hasText: endpointName });
    await expect(listed).toContainText(`${receiver.url}/base`);
    await expect(listed).toContainText('Not used by any integration');

    // A webhook integration on the Status Updates trigger, with the joined URL previewed.
    await openHydrated(page, '/integrations/new');
    const form = page.getByRole('form', { name: 'Integration' });
    await form.getByLabel('Name', { exact: true }).fill(integrationName);
    await form.getByRole('combobox', { name: 'Form', exact: true }).selectOption({ label: 'Example: Service desk › Major incident' });
    await form.getByRole('combobox', { name: 'Trigger' }).selectOption({ label: 'Status Updates' });
    await form.getByRole('combobox', { name: 'Endpoint' }).selectOption({ label: endpointName });
    await form.getByLabel('Path').fill('/hooks/status');
    await expect(form.getByText(`${receiver.url}/base/hooks/status`)).toBeVisible();
    await form.getByRole('button', { name: 'Create integration' }).click();

    await expect(page).toHaveURL('/integrations');
    const row = page.getByRole('table', { name: 'Integrations of Example: Service desk' }).getByRole('row').filter({ hasText: integrationName });
    await expect(row).toContainText('Major incident');
    await expect(row).toContainText('Status Updates');
    await expect(row).toContainText(endpointName);
    await expect(row).toContainText('Never ran');

    // A second integration for the same form and trigger is refused, naming the first.
    await openHydrated(page, '/integrations/new');
    await form.getByLabel('Name', { exact: true }).fill(`Twin ${stamp}`);
    await form.getByRole('combobox', { name: 'Form', exact: true }).selectOption({ label: 'Example: Service desk › Major incident' });
    await form.getByRole('combobox', { name: 'Trigger' }).selectOption({ label: `Status Updates (taken by "${integrationName}")` });
    await form.getByRole('combobox', { name: 'Endpoint' }).selectOption({ label: endpointName });
    await form.getByRole('button', { name: 'Create integration' }).click();
    await expect(form.getByRole('alert')).toContainText(`already has an integration for Status Updates: "${integrationName}"`);
    await expect(page).toHaveURL('/integrations/new');

    // An alert started from the UI fires the trigger.
    await openHydrated(page, '/alerts');
    const id = await startExampleAlert(page, `INC-${stamp}`);

    // Activity, filtered to the integration, shows the run reaching "succeeded".
    await openHydrated(page, '/activity');
    await page.getByRole('combobox', { name: 'Integration' }).selectOption({ label: `${integrationName} (Major incident)` });
    const run = page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: `#${id}` });
    await expect(run).toContainText('Status Updates');
    await expect(run).toContainText('succeeded', { timeout: 20_000 });
    await run.getByRole('link', { name: integrationName }).click();

    await expect(page).toHaveURL(/\/activity\/run_/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(integrationName);
    const attempts = page.getByRole('table', { name: 'Attempts' });
    await expect(attempts.getByRole('row')).toHaveCount(2);
    await expect(attempts).toContainText('200');
    await expect(attempts).toContainText(`${receiver.url}/base/hooks/status`);
    await expect(page.getByLabel('Payload')).toContainText(`"eventIdentifier": ${id}`);

    // The receiver got the POST, signed the Standard Webhooks way.
    const delivered = receiver.received.filter((request) => JSON.parse(request.body).eventIdentifier === Number(id));
    expect(delivered).toHaveLength(1);
    expect(delivered[0].method).toBe('POST');
    expect(delivered[0].url).toBe('/base/hooks/status');
    expect(delivered[0].headers['webhook-signature']).toMatch(/^v1,/);
    expect(JSON.parse(delivered[0].body)).toMatchObject({ trigger: 'status', status: 'active', username: 'admin' });
    await page.screenshot({ path: testInfo.outputPath('run-page.png'), fullPage: true });

    // Re-send opens the new run, which delivers the same webhook again.
    const firstRun = page.url();
    await page.getByRole('button', { name: 'Re-send' }).click();
    await expect(page).not.toHaveURL(firstRun);
    await expect(page.getByRole('link', { name: 'the earlier run' })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Attempts' })).toContainText('200', { timeout: 20_000 });
    await expect.poll(() => receiver.received.filter((request) => request.body === delivered[0].body).length).toBe(2);
    const resent = receiver.received.filter((request) => request.body === delivered[0].body);
    expect(resent[1].headers['webhook-id']).toBe(resent[0].headers['webhook-id']);

    // The endpoint cannot go while the integration uses it; once the integration is deleted
    // (after confirming), it can.
    await openHydrated(page, '/endpoints');
    await listed.getByRole('button', { name: 'Edit' }).click();
    await editor.getByRole('button', { name: 'Delete endpoint' }).click();
    await editor.getByRole('button', { name: 'Yes, delete endpoint' }).click();
    await expect(editor.getByRole('alert')).toContainText(`The endpoint is used by: ${integrationName}.`);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await row.getByRole('link', { name: integrationName }).click();
    await form.getByRole('button', { name: 'Delete integration' }).click();
    await form.getByRole('button', { name: 'Yes, delete integration' }).click();
    await expect(page).toHaveURL('/integrations');
    await expect(page.getByText(integrationName)).toHaveCount(0);

    await openHydrated(page, '/endpoints');
    await listed.getByRole('button', { name: 'Edit' }).click();
    await editor.getByRole('button', { name: 'Delete endpoint' }).click();
    await editor.getByRole('button', { name: 'Yes, delete endpoint' }).click();
    await expect(editor).toHaveCount(0);
    await expect(listed).toHaveCount(0);
  } finally {
    await receiver.close();
  }
});
