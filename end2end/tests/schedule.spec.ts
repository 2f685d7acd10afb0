// The Schedule trigger in the Flow Designer (issue 20): dragged in from the palette and
// connected with the mouse; its inspector shows the cron in words and the next five due
// times the server computes in the chosen time zone (with the offset, and in UTC), and says
// what is wrong with an unreadable cron or an unknown zone.
import { test, expect, type Page } from '@playwright/test';
import { api, block, centre, connect, dragFromPalette } from './canvas';
import { openHydrated } from './support';

test.use({ viewport: { width: 1440, height: 900 } });

/** The inspector's field for a setting, by its label. */
const setting = (page: Page, label: string) => page.locator('.fd-inspector label.field', { hasText: label }).locator('input, select');

test('a schedule trigger shows its next five runs in its time zone, and what is wrong', async ({ page, request }) => {
  const suffix = Date.now().toString(36);
  const workflow = await api(request, '/api/v1/workflows', { name: `Schedules ${suffix}` });
  const form = await api(request, `/api/v1/workflows/${workflow.id}/forms`, { name: 'Reports' });
  await api(request, '/api/v1/endpoints', {
    workflowId: workflow.id, name: 'Desk', baseUrl: 'http://127.0.0.1:9/api', auth: { type: 'none' },
  });
  const flow = await api(request, '/api/v1/flows', { formId: form.id, name: 'Weekday report' });
  await openHydrated(page, `/flows/${flow.id}`);

  const canvas = await centre(page.locator('.fd-viewport'));
  await dragFromPalette(page, 'schedule', { x: canvas.x - 250, y: canvas.y });
  await expect(block(page, 'schedule1')).toBeVisible();
  await dragFromPalette(page, 'webhook', { x: canvas.x + 50, y: canvas.y });
  await expect(block(page, 'webhook1')).toBeVisible();
  await connect(page, 'schedule1', 'webhook1');
  await expect(page.locator('.fd-edge-line')).toHaveCount(1);

  await block(page, 'schedule1').locator('.fd-head').click();
  const inspector = page.locator('.fd-inspector');
  await expect(inspector.locator('h2')).toHaveText('Schedule');
  await expect(inspector.locator('.fd-schedule')).toContainText('Enter a cron expression');

  await setting(page, 'Cron').fill('30 9 * * MON-FRI');
  await setting(page, 'Time zone').fill('Europe/Berlin');
  const next = inspector.locator('.fd-schedule-next li');
  await expect(next).toHaveCount(5);
  await expect(inspector.locator('.fd-schedule-summary')).toHaveText('At 09:30, on Monday–Friday.');
  // Each a weekday at 09:30 Berlin time, +01:00 in winter or +02:00 in summer, and its UTC time.
  for (const item of await next.all()) {
    await expect(item).toContainText(/^(Mon|Tue|Wed|Thu|Fri) \d{1,2} \w{3} \d{4}, 09:30 \(UTC\+0[12]:00\)/);
    await expect(item.locator('.sub')).toHaveText(/^\d{4}-\d\d-\d\d 0[78]:30:00 UTC$/);
  }
  await page.screenshot({ path: test.info().outputPath('schedule-inspector.png') });

  await setting(page, 'Cron').fill('61 9 * * *');
  await expect(inspector.locator('.fd-schedule-error')).toContainText('minute 61, which is not between 0 and 59');
  await expect(next).toHaveCount(0);
  await setting(page, 'Cron').fill('0 */6 * * *');
  await setting(page, 'Time zone').fill('Mars/Olympus');
  await expect(inspector.locator('.fd-schedule-error')).toContainText('"Mars/Olympus", which this server does not know');
  await page.screenshot({ path: test.info().outputPath('schedule-error.png') });
  // The draft is saved as it is, but a schedule that cannot run is not published.
  const status = page.locator('.fd-status');
  await page.keyboard.press('Control+s');
  await expect(status).toHaveText(/^Draft · version \d+/);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('.fd-notice.refused')).toContainText(
    'Not published: This flow cannot run as it is: "Schedule" has the time zone "Mars/Olympus"',
  );
  await expect(status).toHaveText(/^Draft · version \d+/);

  await setting(page, 'Time zone').fill('UTC');
  await expect(next).toHaveCount(5);
  await expect(next.first().locator('.sub')).toHaveText(/^\d{4}-\d\d-\d\d (00|06|12|18):00:00 UTC$/);
  await page.keyboard.press('Control+s');
  await expect(status).toHaveText(/^Draft · version \d+/);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(status).toHaveText(/^Published · version \d+$/);
});
