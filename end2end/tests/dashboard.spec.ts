// Health at a glance: deliveries to two loopback receivers (one answers 200, one refuses
// with 422) made through the API, then the home page shows them as charts drawn by the
// server with their text equivalents, the latency and queue tiles, and the failing
// endpoint whose "Re-send" leads to the run that re-sends it; the Endpoints page shows
// each endpoint's success rate and latency sparkline. Light and dark are photographed.
import { test, expect, type APIRequestContext } from '@playwright/test';
import { adminKey } from '../playwright.config';
import { startReceiver } from './receiver';
import { openHydrated } from './support';

const auth = { Authorization: `Bearer ${adminKey}` };

async function post(request: APIRequestContext, path: string, data: object): Promise<any> {
  const response = await request.post(path, { headers: auth, data });
  expect(response.ok(), `POST ${path}: ${await response.text()}`).toBe(true);
  return response.json();
}

/** A form whose alerts' status trigger sends a webhook to `endpointId`. */
async function sendingForm(request: APIRequestContext, workflowId: string, name: string, endpointId: string): Promise<string> {
  const form = await post(request, `/api/v1/workflows/${workflowId}/forms`, { name, enabled: true, properties: [], responses: [] });
  await post(request, '/api/v1/integrations', { formId: form.id, name, trigger: 'status', action: { type: 'webhook', endpointId, path: '/hook' } });
  return form.id;
}

test('the home page shows the workflows at a glance, charts with text equivalents, and the failing endpoint to re-send', async ({ page, request }, testInfo) => {
  const [good, refusing] = [await startReceiver(), await startReceiver(422)];
  try {
    const stamp = Date.now();
    const workflow = await post(request, '/api/v1/workflows', { name: `Dashboard ${stamp}` });
    const desk = await post(request, '/api/v1/endpoints', { workflowId: workflow.id, name: `Desk ${stamp}`, baseUrl: good.url });
    const broken = await post(request, '/api/v1/endpoints', { workflowId: workflow.id, name: `Broken ${stamp}`, baseUrl: refusing.url });
    const deskForm = await sendingForm(request, workflow.id, 'Healthy', desk.id);
    const brokenForm = await sendingForm(request, workflow.id, 'Refused', broken.id);
    for (const [formId, count] of [[deskForm, 4], [brokenForm, 2]] as const) {
      for (let alert = 0; alert < count; alert++) {
        await post(request, '/api/v1/alerts', { formId, recipients: ['admin'] });
      }
    }
    await expect
      .poll(async () => {
        const dashboard = await (await request.get('/api/v1/dashboard', { headers: auth })).json();
        const mine = dashboard.endpoints.filter((endpoint: any) => endpoint.workflowId === workflow.id);
        return mine.map((endpoint: any) => `${endpoint.name}: ${endpoint.attempts} ${endpoint.failing}`).sort();
      }, { timeout: 20_000 })
      .toEqual([`Broken ${stamp}: 2 true`, `Desk ${stamp}: 4 false`]);

    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    await page.emulateMedia({ colorScheme: 'light' });
    await openHydrated(page, '/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Health at a glance');
    for (const tile of ['Runs, last hour', 'Runs, last 24 hours', 'Latency p50 · p99, last hour', 'Queue depth', 'Agents online']) {
      await expect(page.getByRole('region', { name: tile })).toBeVisible();
    }
    await expect(page.getByRole('region', { name: 'Latency p50 · p99, last hour' })).toContainText(/\d+(\.\d)? m?s · \d+(\.\d)? m?s/);

    // Each chart is an image named by its title and description, and has a table of its slots.
    for (const title of ['Runs per minute, last hour', 'Runs per 15 minutes, last 24 hours']) {
      const chart = page.getByRole('img', { name: new RegExp(`^${title} One bar per`) });
      await expect(chart).toBeVisible();
      await expect(chart.locator('rect.chart-bar.succeeded').first()).toBeVisible();
      await expect(chart.locator('rect.chart-bar.failed').first()).toBeVisible();
      const table = page.getByRole('table', { name: new RegExp(`^${title}: runs per`) });
      await expect(table).toBeAttached();
      await expect(table.getByRole('row')).not.toHaveCount(1);
    }
    await expect(page.locator('#runs-hour .chart-summary')).toContainText(/\d+ runs: \d+ succeeded, \d+ failed/);

    // The failing endpoint, its last error, and the way to re-send.
    const failing = page.getByRole('table', { name: 'Failing endpoints' }).getByRole('row').filter({ hasText: `Broken ${stamp}` });
    await expect(failing).toContainText(`Dashboard ${stamp}`);
    await expect(failing).toContainText('HTTP 422: {"error":"refused by the test receiver"}');
    await expect(failing).toContainText('2 of 2');
    await expect(page.getByRole('table', { name: 'Failing endpoints' })).not.toContainText(`Desk ${stamp}`);
    await page.screenshot({ path: testInfo.outputPath('dashboard-light.png'), fullPage: true });
    expect(errors, 'the dashboard hydrates without errors').toEqual([]);

    await page.getByRole('button', { name: /Light|Dark/ }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.screenshot({ path: testInfo.outputPath('dashboard-dark.png'), fullPage: true });
    await page.getByRole('button', { name: /Light|Dark/ }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

    // The Endpoints page: success rate, latency and the sparkline of each endpoint.
    await openHydrated(page, '/endpoints');
    const region = page.getByRole('region', { name: `Dashboard ${stamp}` });
    const deskItem = region.getByRole('listitem').filter({ hasText: `Desk ${stamp}` });
    await expect(deskItem).toContainText('100.0 % of 4 deliveries succeeded');
    await expect(deskItem).toContainText(/p50 \d+ ms · p99 \d+ ms/);
    await expect(region.getByRole('img', { name: `Median latency per hour over the last 24 hours, for Desk ${stamp}` })).toBeVisible();
    const brokenItem = region.getByRole('listitem').filter({ hasText: `Broken ${stamp}` });
    await expect(brokenItem).toContainText('0.0 % of 2 deliveries succeeded');
    await expect(brokenItem).toContainText('Failing');
    await region.screenshot({ path: testInfo.outputPath('endpoints-health.png') });

    // "Re-send" opens the failed run, whose Re-send sends it again.
    await openHydrated(page, '/');
    await failing.getByRole('link', { name: 'Re-send' }).click();
    await expect(page).toHaveURL(/\/activity\/run_/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Refused');
    const before = refusing.received.length;
    await page.getByRole('button', { name: 'Re-send' }).click();
    await expect(page.getByRole('link', { name: 'the earlier run' })).toBeVisible();
    await expect.poll(() => refusing.received.length, { timeout: 20_000 }).toBe(before + 1);
  } finally {
    await good.close();
    await refusing.close();
  }
});
