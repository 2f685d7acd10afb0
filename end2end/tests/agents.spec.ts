// The Agents page: an admin registers an agent, sees its token once, starts `outflow agent`
// with it (a real process) and watches the agent go online without reloading.
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { installExampleIfMissing, openHydrated } from './support';

const bin = process.env.OUTFLOW_BIN ?? `${__dirname}/../../target/bin/outflow-dev`;

test('a registered agent goes online on the Agents page when it starts', async ({ page, baseURL }) => {
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

    // The integration editor offers the agent as where an integration runs.
    await installExampleIfMissing(page);
    await openHydrated(page, '/integrations/new');
    const location = page.getByRole('checkbox', { name: `${name} (online)` });
    await location.check();
    await expect(location).toBeChecked();
  } finally {
    agent?.kill('SIGTERM');
  }
});
