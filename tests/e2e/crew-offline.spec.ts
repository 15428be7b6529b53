import { expect, test, type Page } from '@playwright/test';
import type { WorkOrder } from '../../src/lib/domain';
import { DEMO_PASSWORD } from '../helpers/demo';
import { PHOTO_FIXTURE, NOT_A_PHOTO_FIXTURE, goOffline, signIn, waitForOfflineReady } from './crew-helpers';

async function choosePhoto(page: Page, button: string, file: string) {
	const chooser = page.waitForEvent('filechooser');
	await page.getByText(button).click();
	await (await chooser).setFiles(file);
}

test('airplane mode all the way: close with an after photo and a note, reload offline, still closed; back online the server has it all', async ({ page, browser }) => {
	await signIn(page, 'ana');
	await waitForOfflineReady(page);
	const id = (await page.getByTestId('order-card').first().getAttribute('data-order-id'))!;

	await goOffline(page);
	await page.reload(); // the shell comes from the service worker
	await expect(page.getByTestId('sync-phase')).toHaveAttribute('data-phase', 'offline');
	await page.locator(`[data-testid=order-card][data-order-id="${id}"]`).click();
	const detail = page.getByTestId('order-detail');
	await expect(detail).toHaveAttribute('data-status', 'assigned');

	// Street cleaning needs an "after" photo when the work was done: refused without one, nothing queued.
	await page.getByLabel('Resolution').selectOption('completed');
	await page.getByLabel('Note for the resident (public)').fill('Sidewalk cleaned and washed.');
	await page.getByRole('button', { name: 'Close order' }).click();
	await expect(page.getByRole('form', { name: 'Close the order' }).getByTestId('action-error')).toContainText('"after" photo');
	await expect(page.getByTestId('pending-count')).toContainText('0 pending');

	// A file that is not an image is refused with a message; what was typed stays.
	await choosePhoto(page, 'Take the after photo (required)', NOT_A_PHOTO_FIXTURE);
	await expect(page.getByTestId('photo-error')).toContainText(/not a photo/i);
	await expect(page.getByLabel('Note for the resident (public)')).toHaveValue('Sidewalk cleaned and washed.');

	await choosePhoto(page, 'Take the after photo (required)', PHOTO_FIXTURE);
	await expect(page.getByTestId('photo-thumbnail')).toBeVisible({ timeout: 15_000 });
	await page.getByRole('button', { name: 'Close order' }).click();
	await expect(detail).toHaveAttribute('data-status', 'closed');
	await expect(page.getByTestId('pending-note')).toContainText('1 change saved on this tablet');

	// Reload, still offline: closed, with the change still waiting.
	await page.reload();
	await expect(page.getByTestId('order-detail')).toHaveAttribute('data-status', 'closed');
	await expect(page.getByTestId('pending-note')).toContainText('1 change saved on this tablet');
	await expect(page.getByTestId('pending-count')).toContainText('1 pending (1 not sent)');
	await page.screenshot({ path: 'test-results/crew-closed-offline.png', fullPage: true });

	// Signal returns: sent and applied by itself.
	await page.context().setOffline(false);
	await expect(page.getByTestId('pending-count')).toContainText('0 pending', { timeout: 20_000 });

	const sup = await browser.newContext();
	expect((await sup.request.post('/api/auth/login', { data: { username: 'supervisor', password: DEMO_PASSWORD } })).ok()).toBe(true);
	await expect
		.poll(async () => ((await (await sup.request.get(`/api/orders/${id}`)).json()) as WorkOrder).status, { timeout: 10_000 })
		.toBe('closed');
	const master = (await (await sup.request.get(`/api/orders/${id}`)).json()) as WorkOrder;
	expect(master.resolution?.code).toBe('completed');
	expect(master.public_notes.map((n) => n.text)).toContain('Sidewalk cleaned and washed.');
	const after = master.photos.find((p) => p.kind === 'after')!;
	expect(after).toBeDefined();
	const photo = await sup.request.get(`/api/orders/${id}/photos/${after.action_id}/${after.attachment}`);
	expect(photo.status()).toBe(200);
	expect(photo.headers()['content-type']).toBe('image/jpeg');
	// Downscaled on the tablet: about 400 KB at most (the camera file was larger), 1600 px on the long edge, and
	// upright: the 3000×2000 camera file says "rotate 90°" in its EXIF, so the result is portrait.
	expect((await photo.body()).byteLength).toBeLessThanOrEqual(450 * 1024);
	const supPage = await sup.newPage();
	await supPage.goto('/healthz');
	const size = await supPage.evaluate(async (url) => {
		const bitmap = await createImageBitmap(await (await fetch(url)).blob(), { imageOrientation: 'none' });
		return { width: bitmap.width, height: bitmap.height };
	}, `/api/orders/${id}/photos/${after.action_id}/${after.attachment}`);
	expect(size).toEqual({ width: 1067, height: 1600 });
	await sup.close();
});

test('a supervisor reassignment while the tablet is online takes the order off Today', async ({ page, browser }) => {
	await signIn(page, 'carla');
	await waitForOfflineReady(page);
	const cards = page.getByTestId('order-card');
	const id = (await cards.first().getAttribute('data-order-id'))!;
	const before = await cards.count();

	const sup = await browser.newContext();
	expect((await sup.request.post('/api/auth/login', { data: { username: 'supervisor', password: DEMO_PASSWORD } })).ok()).toBe(true);
	const res = await sup.request.post(`/api/orders/${id}/actions`, { data: { action: 'assign', payload: { crew: 'dpw-graffiti-1' } } });
	expect(res.ok()).toBe(true);
	await expect(page.locator(`[data-testid=order-card][data-order-id="${id}"]`)).toHaveCount(0, { timeout: 10_000 });
	await expect(cards).toHaveCount(before - 1);
	await sup.close();
});
