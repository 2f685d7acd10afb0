// The form editor: a new workflow opens straight into its first form; the store's rules
// show on the page, and a saved form is listed with its properties and responses.
import { test, expect } from '@playwright/test';
import { openHydrated } from './support';
import { adminKey } from '../playwright.config';

test('a workflow gets a form with typed properties and response options', async ({ page }) => {
  await openHydrated(page, '/workflows');
  const name = `Network ops ${Date.now()}`;
  await page.getByLabel('New workflow').fill(name);
  await page.getByRole('button', { name: 'Create workflow' }).click();

  const editor = page.getByRole('form', { name: 'Form editor' });
  await expect(editor.getByRole('heading', { level: 2 })).toHaveText(`New form in ${name}`);
  await editor.getByLabel('Form name').fill('Link down');
  await editor.getByRole('button', { name: '+ Add property' }).click();
  await editor.getByRole('button', { name: '+ Add property' }).click();
  await editor.getByLabel('Property name').nth(0).fill('router');
  await editor.getByLabel('Property name').nth(1).fill('site');
  await editor.getByRole('combobox', { name: 'Property type' }).nth(1).selectOption({ label: 'list' });

  // A list without values is refused with the store's words, and nothing is saved.
  await editor.getByRole('button', { name: 'Save form' }).click();
  await expect(editor.getByRole('alert')).toContainText('needs at least one value');

  await editor.getByLabel('List values').nth(1).fill('AMS, FRA, LON');
  await editor.getByRole('button', { name: '+ Add response' }).click();
  await editor.getByLabel('Response choice').fill('Resolve');
  await editor.getByRole('combobox', { name: 'Response action' }).selectOption({ label: 'End alert' });
  await editor.getByRole('button', { name: 'Save form' }).click();
  await expect(editor.getByRole('status')).toHaveText('Saved.');
  await expect(editor.getByRole('heading', { level: 2 })).toHaveText(`${name} › Link down`);

  const card = page.getByRole('region', { name });
  await expect(card).toContainText('Link down');
  await expect(card).toContainText('Properties: router, site');
  await expect(card).toContainText('Responses: Resolve');

  // Reopened after a reload, the form shows what was saved.
  await openHydrated(page, '/workflows');
  await page.getByRole('region', { name }).getByRole('button', { name: 'Edit' }).click();
  await expect(editor.getByLabel('List values').nth(1)).toHaveValue('AMS, FRA, LON');
  await expect(editor.getByRole('combobox', { name: 'Response action' }).locator('option:checked')).toHaveText('End alert');
});

test('a workflow shows its members and an admin adds one, who is then a member on the API too', async ({ page, request }) => {
  const name = `Members ${Date.now()}`;
  const headers = { Authorization: `Bearer ${adminKey}` };
  const user = `dev${Date.now()}`;
  expect((await request.post('/api/v1/users', { headers, data: { targetName: user, firstName: 'Dee', lastName: 'Veloper', roles: ['developer'] } })).status()).toBe(201);
  const created = await request.post('/api/v1/workflows', { headers, data: { name } });
  expect(created.status()).toBe(201);
  const { id } = await created.json();

  await openHydrated(page, '/workflows');
  const card = page.getByRole('region', { name });
  await expect(card.getByText('Members: admin')).toBeVisible();
  await card.getByText('Members: admin').click();
  await card.getByRole('checkbox', { name: new RegExp(`\\(${user}\\)`) }).check();
  await card.getByRole('button', { name: 'Save members' }).click();
  await expect(card.getByText(`Members: admin, ${user}`)).toBeVisible();
  const members = await request.get(`/api/v1/workflows/${id}/members`, { headers });
  expect(await members.json()).toEqual({ members: ['admin', user] });
});
