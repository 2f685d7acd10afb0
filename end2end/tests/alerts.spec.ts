// The alert core from the browser: install the example on an empty database, start an
// alert from its form, follow it to its page, comment on it, and see the timeline grow.
import { test, expect } from '@playwright/test';
import { installExampleIfMissing, openHydrated, startExampleAlert } from './support';

test('an alert started from the UI shows its status and comments on its timeline', async ({ page }, testInfo) => {
  await openHydrated(page, '/alerts');
  const install = page.getByRole('button', { name: 'Install example workflow' });
  const start = page.getByRole('button', { name: 'Start alert' });
  await expect(install.or(start)).toBeVisible();
  if (await install.isVisible()) {
    // An empty database: the Alerts page offers the example itself.
    await install.click();
  } else {
    // Other tests created workflows first; the Workflows page offers the example while it is missing.
    await installExampleIfMissing(page);
    await openHydrated(page, '/alerts');
  }
  await expect(start).toBeVisible();
  await page.getByRole('combobox', { name: 'Form', exact: true }).selectOption({ label: 'Example: Service desk › Major incident' });

  // Nobody ticked: the store's rule shows on the page and nothing starts.
  await start.click();
  await expect(page.getByRole('alert')).toContainText('An alert needs at least one recipient');

  const number = `INC-${Date.now()}`;
  const id = await startExampleAlert(page, number);
  await expect(page.getByRole('alert')).toHaveCount(0);

  const row = page.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: number });
  await expect(row).toContainText(`#${id}`);
  await expect(row).toContainText('mmcbride');
  await expect(row).toContainText('ACTIVE');
  await expect(row).toContainText('HIGH');

  await row.getByRole('link', { name: `#${id}` }).click();
  await expect(page).toHaveURL(`/alerts/${id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Alert #${id}`);
  await expect(page).toHaveTitle(`Alert #${id} · Outflow`);
  const timeline = page.getByRole('list', { name: 'Timeline' });
  await expect(timeline.getByRole('listitem').first()).toContainText('Status Updates');
  await expect(timeline.getByRole('listitem').first()).toContainText('Status set to active by admin');
  await expect(page.getByRole('table', { name: 'Notifications' })).toContainText('Work Email');

  const comment = 'Failing over to the replica now';
  await page.getByLabel('Comment', { exact: true }).fill(comment);
  await page.getByRole('combobox', { name: 'Source' }).selectOption({ label: 'Inbox' });
  await page.getByRole('button', { name: 'Add comment' }).click();
  const commented = timeline.getByRole('listitem').filter({ hasText: 'Comment by admin (Inbox)' });
  await expect(commented).toContainText('Alert Comments');
  await expect(commented).toContainText(comment);
  await expect(page.getByLabel('Comment', { exact: true })).toHaveValue('');

  await page.screenshot({ path: testInfo.outputPath('alert-page.png'), fullPage: true });
});
