// What a trigger's payload holds, as users meet it (issue 18): the designer's output chips
// carry their types and one chip per property flagged for outbound integrations, which,
// dragged into a Webhook body with the real mouse, carries the alert's value to a loopback
// receiver in a real run; the Test panel of a trigger that never fired and the integration
// editor show the exact sample payload the server builds. Light and dark are photographed.
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { api, block, centre, connect, drag, dragFromPalette } from './canvas';
import { startReceiver } from './receiver';
import { openHydrated } from './support';

test.use({ viewport: { width: 1440, height: 900 } });

/** A workflow whose form "Outage" has two flagged properties (one named with a space) and an
 * unflagged one, a status integration to the receiver, and a user to alert. */
async function fixtures(request: APIRequestContext, receiverUrl: string) {
  const stamp = Date.now().toString(36);
  const workflow = await api(request, '/api/v1/workflows', { name: `Payloads ${stamp}` });
  const form = await api(request, `/api/v1/workflows/${workflow.id}/forms`, {
    name: 'Outage',
    properties: [
      { name: 'Ticket Number', type: 'text', includeInOutbound: true },
      { name: 'customers', type: 'number', includeInOutbound: true },
      { name: 'internal', type: 'text', includeInOutbound: false },
    ],
  });
  const endpoint = await api(request, '/api/v1/endpoints', { workflowId: workflow.id, name: `Receiver ${stamp}`, baseUrl: receiverUrl, auth: { type: 'none' } });
  const integration = await api(request, '/api/v1/integrations', {
    formId: form.id, name: `Status to receiver ${stamp}`, trigger: 'status', action: { type: 'webhook', endpointId: endpoint.id, path: '/integration' },
  });
  const person = `pay${stamp}`;
  await api(request, '/api/v1/users', { targetName: person, firstName: 'Pat', lastName: `Payload ${stamp}`, roles: ['responder'] });
  return { stamp, workflowId: workflow.id as string, formId: form.id as string, integrationId: integration.id as string, person };
}

async function shoot(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `/tmp/${name}-${scheme}.png` });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test("a flagged property's chip, dragged into a webhook body, carries the alert's value through a real run", async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const { stamp, formId, person } = await fixtures(request, receiver.url);
    const flow = await api(request, '/api/v1/flows', { formId, name: `Forward ticket ${stamp}` });
    await openHydrated(page, `/flows/${flow.id}`);
    await expect(block(page, 't1')).toContainText('Status Updates');

    // The trigger's own outputs: typed, one per flagged property, none for the unflagged one.
    await block(page, 't1').locator('.fd-head').click();
    const inspector = page.locator('.fd-inspector');
    const outputs = inspector.locator('.fd-outputs .fd-chip');
    await expect(outputs.filter({ hasText: 'properties.Ticket Number' })).toContainText('string, optional');
    await expect(outputs.filter({ hasText: 'eventProperties' })).toContainText('array');
    await expect(outputs.filter({ hasText: 'username' })).toContainText('string or null');
    await expect(outputs.filter({ hasText: 'properties.internal' })).toHaveCount(0);

    // Draw Status Updates → Webhook and point the webhook at the receiver.
    const t1 = await centre(block(page, 't1'));
    await dragFromPalette(page, 'webhook', { x: t1.x + 300, y: t1.y });
    await expect(block(page, 'webhook1')).toBeVisible();
    await connect(page, 't1', 'webhook1');
    await block(page, 'webhook1').locator('.fd-head').click();
    await inspector.getByLabel(/^Endpoint/).selectOption({ label: `Receiver ${stamp}` });
    await inspector.getByLabel(/^Path/).fill('/flow');

    // Drag the flagged property's chip (its name has a space) into the body, then wrap it in JSON.
    const chip = inspector.locator('[data-placeholder="${t1.properties.Ticket Number}"]');
    await chip.scrollIntoViewIfNeeded();
    await expect(chip).toHaveAttribute('data-type', 'string');
    await expect(inspector.locator('[data-placeholder="${t1.properties.customers}"]')).toContainText('number');
    await expect(inspector.locator('[data-placeholder="${t1.properties.internal}"]')).toHaveCount(0);
    const body = inspector.locator('[data-input="body"]');
    await drag(page, await centre(chip), await centre(body));
    await expect(body).toHaveValue('${t1.properties.Ticket Number}');
    // Control: the field wraps the long line, so Home and End alone stop at a wrap.
    await body.press('Control+Home');
    await page.keyboard.type('{"ticket": "');
    await body.press('Control+End');
    await page.keyboard.type('"}');
    await expect(body).toHaveValue('{"ticket": "${t1.properties.Ticket Number}"}');
    await expect(inspector.locator('.fd-ov-chip')).toHaveText('${t1.properties.Ticket Number}');
    await expect(inspector.locator('.fd-ov-chip.bad')).toHaveCount(0);
    await chip.scrollIntoViewIfNeeded();
    await shoot(page, 'designer-typed-chips');
    await page.keyboard.press('Control+s');
    await expect(page.locator('.fd-status')).toHaveText(/^Draft · version \d+/);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.locator('.fd-status')).toHaveText(/^Published · version \d+$/);

    // Never fired yet: Test starts from the payload an example alert of this form would send.
    await page.getByRole('button', { name: '▶ Test' }).click();
    const panel = page.getByRole('region', { name: 'Test flow' });
    const payload = panel.getByLabel('Payload (JSON)');
    await expect(payload).toHaveValue(/"Ticket Number": "Example Ticket Number"/);
    await expect(payload).toHaveValue(/"eventProperties": \[/);
    await expect(payload).not.toHaveValue(/internal/);
    await expect(panel).toContainText('No Status Updates event of this form yet: the payload an example alert would send');
    await panel.getByRole('button', { name: 'Close the test panel' }).click();

    // A real alert: the flow's webhook delivers the property's value.
    const properties = { 'Ticket Number': 'INC-4242', customers: 7, internal: 'not for webhooks' };
    await api(request, '/api/v1/alerts', { formId, properties, recipients: [person] });
    await expect
      .poll(() => receiver.received.filter((request) => request.url === '/flow').map((request) => JSON.parse(request.body)), { timeout: 20_000 })
      .toEqual([{ ticket: 'INC-4242' }]);
  } finally {
    await receiver.close();
  }
});

test('the integration editor shows the exact payload each trigger sends for an alert of the form', async ({ page, request }) => {
  const receiver = await startReceiver();
  try {
    const { integrationId } = await fixtures(request, receiver.url);
    await openHydrated(page, `/integrations/${integrationId}`);
    const sample = page.locator('details.payload-sample');
    await expect(sample.locator('summary')).toHaveText("See what's included in the payload");
    const json = sample.getByLabel('Sample payload of Status Updates');
    await expect(json).toContainText('"Ticket Number": "Example Ticket Number"');
    await expect(json).toContainText('"customers": 42');
    await expect(json).toContainText('"status": "active"');
    await expect(json).not.toContainText('internal');
    await sample.scrollIntoViewIfNeeded();
    await shoot(page, 'integration-sample-payload');

    // Another trigger: its own fields, in SPEC §3's shapes (lists stay lists).
    await page.getByRole('combobox', { name: 'Trigger' }).selectOption({ label: 'Escalations' });
    const escalation = sample.getByLabel('Sample payload of Escalations');
    await expect(escalation).toContainText('"escalationType": "TIMEOUT"');
    const shown = JSON.parse((await escalation.textContent())!);
    expect(shown.from).toEqual(['mmcbride']);
    expect(shown.group).toEqual({ targetName: 'Database-Team' });
    expect(shown.eventProperties).toEqual([{ 'Ticket Number': 'Example Ticket Number' }, { customers: 42 }]);
  } finally {
    await receiver.close();
  }
});
