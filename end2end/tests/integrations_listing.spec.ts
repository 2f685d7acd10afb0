// The Integrations listing (issue 18): agents by name, a disabled form's "sends nothing"
// marker, the flows extending an integration with links into the designer, the enabled
// switch, and the filters. Setup goes through the REST API. Light and dark are photographed.
import { test, expect, type Page } from '@playwright/test';
import { api } from './canvas';
import { openHydrated } from './support';
import { adminKey } from '../playwright.config';

test.use({ viewport: { width: 1440, height: 900 } });

async function shoot(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `/tmp/${name}-${scheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('the listing names agents, marks disabled forms, links extending flows, switches integrations and filters them', async ({ page, request }) => {
  const stamp = Date.now().toString(36);
  const workflow = await api(request, '/api/v1/workflows', { name: `Listing ${stamp}` });
  const paused = await api(request, `/api/v1/workflows/${workflow.id}/forms`, { name: 'Paused', enabled: false });
  const live = await api(request, `/api/v1/workflows/${workflow.id}/forms`, { name: 'Live' });
  const endpoint = await api(request, '/api/v1/endpoints', { workflowId: workflow.id, name: `Desk ${stamp}`, baseUrl: 'http://127.0.0.1:9/', auth: { type: 'none' } });
  const agent = await api(request, '/api/v1/agents', { name: `Edge box ${stamp}`, services: ['desk'] });
  const registered = await request.put(`/api/v1/agents/${agent.id}/users`, { data: { users: ['admin'] }, headers: { authorization: `Bearer ${adminKey}` } });
  expect(registered.ok()).toBeTruthy();
  await api(request, '/api/v1/integrations', {
    formId: paused.id, name: `Quiet ${stamp}`, trigger: 'status', action: { type: 'webhook', endpointId: endpoint.id },
  });
  await api(request, '/api/v1/integrations', {
    formId: live.id, name: `Chatty ${stamp}`, trigger: 'comment', action: { type: 'script', script: 'console.log(1);' }, location: { agents: [agent.id] },
  });
  const flow = await api(request, '/api/v1/flows/import', {
    name: `Echo ${stamp}`, formId: live.id,
    blocks: [
      { id: 't1', kind: 'trigger', trigger: 'comment', position: { x: 0, y: 0 } },
      { id: 'd1', kind: 'step', step: 'delay', settings: { seconds: 1 }, position: { x: 240, y: 0 } },
    ],
    edges: [{ from: 't1', fromPort: 'out', to: 'd1', toPort: 'in' }],
  });

  await openHydrated(page, '/integrations');
  const table = page.getByRole('table', { name: `Integrations of Listing ${stamp}` });
  const quiet = table.getByRole('row').filter({ hasText: `Quiet ${stamp}` });
  const chatty = table.getByRole('row').filter({ hasText: `Chatty ${stamp}` });
  await expect(quiet).toContainText('Form disabled — sends nothing');
  await expect(chatty).not.toContainText('Form disabled');
  await expect(chatty).toContainText(`Agents: Edge box ${stamp}`);
  await expect(chatty).not.toContainText(agent.id);
  await expect(chatty).toContainText('1 flow');
  await expect(chatty.getByRole('link', { name: `Echo ${stamp}` })).toHaveAttribute('href', `/flows/${flow.id}`);
  await expect(quiet).toContainText('None');
  await shoot(page, 'integrations-listing');

  // The switch turns an integration off, for real.
  const quietSwitch = quiet.getByRole('switch', { name: `Quiet ${stamp} enabled` });
  await expect(quietSwitch).toBeChecked();
  await quietSwitch.click();
  await expect(quiet).toHaveClass(/inactive/);
  await expect(quietSwitch).not.toBeChecked();
  const listed = await request.get(`/api/v1/integrations?workflowId=${workflow.id}`, { headers: { authorization: `Bearer ${adminKey}` } });
  const enabled = Object.fromEntries((await listed.json()).map((one: any) => [one.name, one.enabled]));
  expect(enabled).toEqual({ [`Quiet ${stamp}`]: false, [`Chatty ${stamp}`]: true });

  // Filters narrow the listing, and survive its refresh.
  const filters = page.getByRole('search', { name: 'Integration filters' });
  await filters.getByRole('combobox', { name: 'Workflow' }).selectOption({ label: `Listing ${stamp}` });
  await filters.getByRole('combobox', { name: 'Trigger' }).selectOption({ label: 'Alert Comments' });
  await expect(chatty).toBeVisible();
  await expect(quiet).toHaveCount(0);
  await filters.getByRole('combobox', { name: 'Action' }).selectOption({ label: 'Send a webhook' });
  await expect(page.getByText('No integrations match these filters')).toBeVisible();
  await filters.getByRole('combobox', { name: 'Action' }).selectOption({ label: 'All actions' });
  await filters.getByRole('combobox', { name: 'Trigger' }).selectOption({ label: 'All triggers' });
  await filters.getByRole('combobox', { name: 'Form' }).selectOption({ label: `Listing ${stamp} › Paused` });
  await filters.getByRole('combobox', { name: 'Last run' }).selectOption({ label: 'Never ran' });
  await expect(quiet).toBeVisible();
  await expect(chatty).toHaveCount(0);
  // The listing re-reads itself every 2.5 s; the filters stay as chosen.
  await page.waitForTimeout(6_000);
  await expect(filters.getByRole('combobox', { name: 'Form' }).locator('option:checked')).toHaveText(`Listing ${stamp} › Paused`);
  await expect(quiet).toBeVisible();
  await expect(chatty).toHaveCount(0);
});
