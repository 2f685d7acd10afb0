// The Agents page: an admin registers an agent, sees its token once, starts `outflow agent`
// with it (a real process) and watches the agent go online without reloading.
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { installExampleIfMissing, openHydrated } from './support';
import { adminKey } from '../playwright.config';

const bin = process.env.OUTFLOW_BIN ?? `${__dirname}/../../target/bin/outflow-dev`;

test('a registered agent goes online on the Agents page when it starts', async ({ page, baseURL, request }) => {
  await openHydrated(page, '/agents');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agents');
  const name = `e2e-agent-${Date.now()}`;
  await page.getByText('Register an agent', { exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Services').fill('ticketing, chat');
  await page.getByRole('button', { name: 'Register agent' }).click();
  const tokenField = page.getByRole('textbox', { name: 'Token', exact: true });
  await expect(tokenField).toHaveValue(/^ofa_/);
  const token = await tokenField.inputValue();

  const row = page.getByRole('table', { name: 'Agents' }).getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('offline');
  await expect(row).toContainText('chat, ticketing');

  let agent: ChildProcess | undefined;
  try {
    agent = spawn(bin, ['agent', '--server', baseURL!, '--token', token], { stdio: 'ignore', env: { ...process.env, RUST_LOG: 'warn' } });
    // The page refreshes itself while open: no reload.
    await expect(row).toContainText('online', { timeout: 20_000 });
    await expect(row).not.toContainText('never');

    // The integration editor shows the agent, but only a user registered to it (an admin
    // too) may pick it; its services are what "Send to Integration Agent" offers.
    await installExampleIfMissing(page);
    await openHydrated(page, '/integrations/new');
    const unregistered = page.getByRole('checkbox', { name: `${name} (online) — not registered to you` });
    await expect(unregistered).toBeDisabled();
    await page.locator('label.segment', { hasText: 'Send to Integration Agent' }).click();
    const service = page.getByRole('combobox', { name: 'Integration service' });
    await expect(service.locator('option', { hasText: 'ticketing' })).toHaveCount(1);
    await service.selectOption('ticketing');
    await unregistered.scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/integration-agent-location.png' });
    const agents = await (await request.get('/api/v1/agents', { headers: { authorization: `Bearer ${adminKey}` } })).json();
    const id = agents.find((agent: any) => agent.name === name).id;
    const registered = await request.put(`/api/v1/agents/${id}/users`, { data: { users: ['admin'] }, headers: { authorization: `Bearer ${adminKey}` } });
    expect(registered.ok()).toBeTruthy();
    await openHydrated(page, '/integrations/new');
    const location = page.getByRole('checkbox', { name: `${name} (online)`, exact: true });
    await location.check();
    await expect(location).toBeChecked();
  } finally {
    agent?.kill('SIGTERM');
  }
});
