// The canvas of a form is its integrations (issue 18, part 1), with the real mouse: an
// integration made on the Integrations page after the flow appears on its canvas as a
// trigger node naming it; dropping a trigger the form has no integration of creates one that
// runs flows only (seen on the Integrations page); an integration turned off with the
// listing's switch greys its node and says why.
import { test, expect } from '@playwright/test';
import { api, block, centre, drag } from './canvas';
import { openHydrated } from './support';
import { adminKey } from '../playwright.config';

const asAdmin = { authorization: `Bearer ${adminKey}` };

test.use({ viewport: { width: 1440, height: 900 } });

test('trigger nodes are the form\'s integrations: shown, created by a drop, greyed when off', async ({ page, request }) => {
  const stamp = Date.now().toString(36);
  const workflow = await api(request, '/api/v1/workflows', { name: `Canvas ${stamp}` });
  const form = await api(request, `/api/v1/workflows/${workflow.id}/forms`, { name: 'Outage' });
  const endpoint = await api(request, '/api/v1/endpoints', {
    workflowId: workflow.id, name: 'Desk', baseUrl: 'http://127.0.0.1:9/api', auth: { type: 'none' },
  });
  const status = await api(request, '/api/v1/integrations', {
    formId: form.id, name: 'Status to desk', trigger: 'status', action: { type: 'webhook', endpointId: endpoint.id },
  });
  const flow = await api(request, '/api/v1/flows', { formId: form.id, name: 'Extend' });
  // Made on the Integrations page after the flow: it appears on the canvas all the same,
  // placed and unconnected.
  await openHydrated(page, '/integrations/new');
  const editor = page.getByRole('form', { name: 'Integration' });
  await editor.getByLabel('Name', { exact: true }).fill('Comments to flows');
  await editor.getByRole('combobox', { name: 'Form', exact: true }).selectOption({ label: `Canvas ${stamp} › Outage` });
  await editor.getByRole('combobox', { name: 'Trigger' }).selectOption({ label: 'Alert Comments' });
  await editor.getByText('Run flows only', { exact: true }).click();
  await expect(editor).toContainText('Sends nothing itself');
  await editor.getByRole('button', { name: 'Create integration' }).click();
  await expect(page).toHaveURL('/integrations');
  await expect(page.getByRole('row').filter({ hasText: 'Comments to flows' })).toContainText('Flows only');

  await openHydrated(page, `/flows/${flow.id}`);
  await expect(block(page, 't1')).toContainText('Status to desk · Send a webhook');
  await expect(block(page, 't2')).toContainText('Alert Comments');
  await expect(block(page, 't2')).toContainText('Comments to flows · Run flows only');
  await expect(page.locator('.fd-status')).toHaveText(/nothing runs until you publish/);
  await expect(page.locator('.fd-edge')).toHaveCount(0);

  // The inspector links the node to its integration.
  await block(page, 't1').locator('.fd-head').click();
  const inspector = page.locator('.fd-inspector');
  await expect(inspector.locator('.fd-integration')).toContainText('Status to desk · Send a webhook · no run yet');
  await expect(inspector.getByRole('link', { name: 'Status to desk' })).toHaveAttribute('href', `/integrations/${status.id}`);

  // Escalations has no integration: dropping it creates one that runs flows only.
  const escalations = page.locator('.fd-palette-item[data-step="trigger:escalation"]');
  await expect(escalations).toContainText('No integration yet: dropping it creates one that runs flows only.');
  const t1 = await centre(block(page, 't1'));
  await escalations.scrollIntoViewIfNeeded();
  await drag(page, await centre(escalations), { x: t1.x + 300, y: t1.y + 300 });
  await expect(page.locator('.fd-notice.info')).toContainText('Created the form\'s integration "Escalations" (Run flows only)');
  await expect(block(page, 't3')).toContainText('Escalations · Run flows only');
  await expect(block(page, 't3')).not.toHaveClass(/\boff\b/);
  const listed = await (await request.get('/api/v1/integrations', { headers: asAdmin })).json();
  const created = listed.find((integration: any) => integration.formId === form.id && integration.trigger === 'escalation');
  expect(created).toMatchObject({ name: 'Escalations', action: { type: 'flowsOnly' }, enabled: true, formId: form.id });

  // Turned off with the listing's switch: the node greys and says why.
  await openHydrated(page, '/integrations');
  const statusSwitch = page.getByRole('switch', { name: 'Status to desk enabled' });
  await statusSwitch.click();
  await expect(statusSwitch).not.toBeChecked();
  await openHydrated(page, `/flows/${flow.id}`);
  await expect(block(page, 't1')).toHaveClass(/\boff\b/);
  await expect(block(page, 't1').locator('.fd-badge')).toHaveAttribute('title', /"Status to desk" is off, so this trigger starts nothing/);
  await block(page, 't1').locator('.fd-head').click();
  await expect(inspector).toContainText('is off, so this trigger starts nothing until it is turned on');
  await page.screenshot({ path: '/tmp/canvas-integrations.png' });

  // The listing shows the integration the drop created.
  await openHydrated(page, '/integrations');
  await expect(page.getByRole('row').filter({ hasText: 'Escalations' }).filter({ hasText: 'Flows only' })).toHaveCount(1);
});
