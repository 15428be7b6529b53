import { expect, test } from '@playwright/test';
import type { WorkOrder } from '../../src/lib/domain';
import { DEMO_PASSWORD } from '../helpers/demo';
import { signIn, waitForOfflineReady } from './crew-helpers';

async function supervisorApi(browser: import('@playwright/test').Browser) {
	const sup = await browser.newContext();
	expect((await sup.request.post('/api/auth/login', { data: { username: 'supervisor', password: DEMO_PASSWORD } })).ok()).toBe(true);
	return sup;
}

test('reroute to another crew: refused without a reason, then handed over on the tablet and reassigned on the server', async ({ page, browser }) => {
	await signIn(page, 'ivan');
	await waitForOfflineReady(page);
	const id = (await page.getByTestId('order-card').first().getAttribute('data-order-id'))!;
	await page.getByTestId('order-card').first().click();
	const form = page.getByRole('form', { name: 'Reroute the order' });

	await form.getByRole('button', { name: 'Reroute' }).click();
	await expect(form.getByTestId('action-error')).toContainText('Choose where this order goes');
	await form.getByLabel('Send to').selectOption({ label: 'Public Works Street Repair' });
	await form.getByRole('button', { name: 'Reroute' }).click();
	await expect(form.getByTestId('action-error')).toContainText('Say why');
	await expect(page.getByTestId('pending-count')).toContainText('0 pending');

	await form.getByLabel('Reason').fill('Needs a paving crew, not signs');
	await form.getByRole('button', { name: 'Reroute' }).click();
	await expect(page.getByTestId('handed-over')).toBeVisible();

	const sup = await supervisorApi(browser);
	await expect
		.poll(async () => ((await (await sup.request.get(`/api/orders/${id}`)).json()) as WorkOrder).crew, { timeout: 10_000 })
		.toBe('dpw-streets-1');
	// Applied on the server: the order leaves this tablet.
	await expect(page.getByTestId('order-missing')).toBeVisible({ timeout: 10_000 });
	await sup.close();
});

test('mark as duplicate of another order: refused for itself, then closed as a duplicate with the resident told', async ({ page, browser }) => {
	await signIn(page, 'hana');
	await waitForOfflineReady(page);
	const cards = page.getByTestId('order-card');
	const id = (await cards.first().getAttribute('data-order-id'))!;
	const original = (await cards.nth(1).getAttribute('data-order-id'))!;
	await cards.first().click();
	const form = page.getByRole('form', { name: 'Mark as duplicate' });

	await form.getByRole('button', { name: 'Mark as duplicate' }).click();
	await expect(form.getByTestId('action-error')).toContainText('Choose the order this one repeats');
	await form.getByLabel('Request number').fill(id);
	await form.getByRole('button', { name: 'Mark as duplicate' }).click();
	await expect(form.getByTestId('action-error')).toContainText('cannot be a duplicate of itself');

	await form.getByLabel('Request number').fill(`#${original}`);
	await form.getByRole('button', { name: 'Mark as duplicate' }).click();
	await expect(page.getByTestId('order-detail')).toHaveAttribute('data-status', 'closed');

	const sup = await supervisorApi(browser);
	await expect
		.poll(async () => ((await (await sup.request.get(`/api/orders/${id}`)).json()) as WorkOrder).duplicate_of, { timeout: 10_000 })
		.toBe(original);
	const master = (await (await sup.request.get(`/api/orders/${id}`)).json()) as WorkOrder;
	expect(master.status).toBe('closed');
	expect(master.public_notes.map((n) => n.text).join(' ')).toContain(`#${original}`);
	await sup.close();
});

test('a photo too large to be a camera photo is refused with a message; the rest of the form stays', async ({ page }) => {
	await signIn(page, 'jun');
	await waitForOfflineReady(page);
	await page.getByTestId('order-card').first().click();
	const form = page.getByRole('form', { name: 'Add a photo' });
	await form.getByLabel('Caption (optional)').fill('Sign knocked over');
	const huge = Buffer.alloc(41 * 1024 * 1024);
	huge.set([0xff, 0xd8, 0xff, 0xe0]);
	const chooser = page.waitForEvent('filechooser');
	await form.getByText('Take photo').click();
	await (await chooser).setFiles({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: huge });
	await expect(form.getByTestId('photo-error')).toContainText('too large');
	await expect(form.getByLabel('Caption (optional)')).toHaveValue('Sign knocked over');
	await expect(form.getByRole('button', { name: 'Save photo' })).toBeDisabled();

	// A real photo then goes through: thumbnail, saved, in the history as waiting.
	const again = page.waitForEvent('filechooser');
	await form.getByText('Take photo').click();
	await (await again).setFiles('tests/fixtures/photos/camera-3000x2000-exif.jpg');
	await expect(form.getByTestId('photo-thumbnail')).toBeVisible({ timeout: 15_000 });
	await form.getByRole('button', { name: 'Save photo' }).click();
	await expect(form.getByTestId('photo-thumbnail')).toHaveCount(0);
	await expect(page.getByTestId('pending-count')).toContainText(/[01] pending/);
});
