// People: a user is created, gets a device after a refused address, and the device is
// deactivated; a group is formed with the user as its member.
import { test, expect } from '@playwright/test';
import { openHydrated } from './support';

test('users get devices and join groups', async ({ page }) => {
  await openHydrated(page, '/people');
  const login = `e2e${Date.now()}`;
  await page.getByText('New user').click();
  await page.getByLabel('Login name (targetName)').fill(login);
  await page.getByLabel('First name').first().fill('Erin');
  await page.getByLabel('Last name').first().fill('Tester');
  await page.getByRole('button', { name: 'Create user' }).click();

  const card = page.getByRole('article', { name: login });
  await expect(card.getByRole('heading', { level: 3 })).toContainText('Erin Tester');
  await expect(card).toContainText('No devices');

  await card.getByText('Add a device').click();
  const add = card.getByRole('form', { name: 'Add device' });
  await add.getByLabel('Device name').fill('Work Email');
  await add.getByLabel('Address').fill('not-an-address');
  await add.getByRole('button', { name: 'Add device' }).click();
  await expect(add.getByRole('alert')).toContainText('name@example.com');

  await add.getByLabel('Address').fill('erin@example.com');
  await add.getByRole('button', { name: 'Add device' }).click();
  const devices = page.getByRole('article', { name: login }).getByRole('table', { name: `Devices of ${login}` });
  await expect(devices).toContainText('erin@example.com');
  await devices.getByRole('button', { name: 'Deactivate' }).click();
  await expect(devices).toContainText('Inactive');

  const group = `Team-${login}`;
  await page.getByText('New group').click();
  await page.getByLabel('Group name (targetName)').fill(group);
  await page.getByRole('combobox', { name: 'Add member' }).selectOption(login);
  await page.getByLabel('Escalation delay (s)').first().fill('90');
  await page.getByRole('button', { name: 'Create group' }).click();
  const groupCard = page.getByRole('article', { name: group });
  await expect(groupCard).toContainText('Escalates after 1 min 30 s');
  await expect(groupCard.getByRole('listitem')).toHaveText([login]);
});
