import { expect, test, type Page } from '@playwright/test';
import { goOffline, signIn, waitForOfflineReady } from './crew-helpers';

/** Standard deviation of the grey levels of a screenshot: a blank or single-colour map is near 0. */
async function pixelSpread(page: Page, png: Buffer): Promise<number> {
	return page.evaluate(async (dataUrl) => {
		const img = new Image();
		img.src = dataUrl;
		await img.decode();
		const canvas = document.createElement('canvas');
		canvas.width = img.width;
		canvas.height = img.height;
		const ctx = canvas.getContext('2d')!;
		ctx.drawImage(img, 0, 0);
		const { data } = ctx.getImageData(0, 0, img.width, img.height);
		let sum = 0;
		let sumSq = 0;
		const n = data.length / 4;
		for (let i = 0; i < data.length; i += 4) {
			const grey = (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
			sum += grey;
			sumSq += grey * grey;
		}
		return Math.sqrt(sumSq / n - (sum / n) ** 2);
	}, `data:image/png;base64,${png.toString('base64')}`);
}

test('the map works in airplane mode after the area download: streets and labels, no failed map request; a stop opens its order', async ({ page }) => {
	await signIn(page, 'gus');
	await waitForOfflineReady(page);
	await page.getByRole('link', { name: 'Map', exact: true }).click();
	const area = page.getByTestId('offline-map');
	// Downloaded after sign-in, with its size shown.
	await expect(area).toHaveAttribute('data-phase', 'ready', { timeout: 30_000 });
	await expect(area).toContainText('Map stored for offline use');

	const failures: string[] = [];
	const glyphs: string[] = [];
	page.on('requestfailed', (r) => {
		// ERR_ABORTED: MapLibre cancelled a tile it no longer needs (the view moved on) — not a failure.
		if (new URL(r.url()).pathname.startsWith('/map/') && r.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`${r.url()} ${r.failure()?.errorText}`);
	});
	page.on('response', (r) => {
		const path = new URL(r.url()).pathname;
		if (!path.startsWith('/map/')) return;
		if (r.status() >= 400) failures.push(`${r.url()} ${r.status()}`);
		if (path.startsWith('/map/fonts/')) glyphs.push(path);
	});

	await goOffline(page);
	await page.reload();
	const map = page.getByTestId('map');
	await expect(map).toHaveAttribute('data-idle', 'true', { timeout: 20_000 });
	await expect(page.getByTestId('map-stop').first()).toBeVisible();
	const shot = await map.screenshot({ path: 'test-results/map-offline.png' });
	expect(failures).toEqual([]);
	expect(glyphs.length).toBeGreaterThan(0); // street names were drawn from stored glyphs
	expect(await pixelSpread(page, shot)).toBeGreaterThan(12);
	await expect(page.getByText('© OpenStreetMap contributors')).toBeVisible();

	const stop = page.getByTestId('map-stop').first();
	const id = (await stop.getAttribute('data-order-id'))!;
	await stop.click();
	await expect(page).toHaveURL(new RegExp(`/crew/orders/${id}$`));
	await expect(page.getByTestId('order-detail')).toBeVisible();
	// The order screen's small map, offline too.
	await expect(page.getByTestId('map')).toHaveAttribute('data-idle', 'true', { timeout: 20_000 });
	expect(failures).toEqual([]);
});

test('a new map version replaces the stored one when online, and only once it is complete', async ({ page }) => {
	await signIn(page, 'hana');
	await waitForOfflineReady(page);
	const current = (await (await page.request.get('/map/area.json')).json()) as { version: string };
	// Make the tablet hold an older version only (as after a server update of the tiles).
	await page.evaluate(async (version) => {
		const manifest = await (await caches.open(`fw-map-${version}`)).match('/map/area.json');
		const old = { ...(await manifest!.json()), version: 'old-version' };
		await caches.delete(`fw-map-${version}`);
		const cache = await caches.open('fw-map-old-version');
		await cache.put('/map/style.json', new Response('{}'));
		await cache.put('/map/area.json', new Response(JSON.stringify(old)));
	}, current.version);
	await page.goto('/crew/map');
	const area = page.getByTestId('offline-map');
	await expect(area).toHaveAttribute('data-phase', 'ready', { timeout: 30_000 });
	// The old copy serves until the new one is complete, then goes.
	const names = () => page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('fw-map-')));
	await expect.poll(names, { timeout: 30_000 }).toEqual([`fw-map-${current.version}`]);
	await expect(area).toHaveAttribute('data-phase', 'ready');
});

test('the supervisor map clusters every open order; a cluster zooms in, a point picks its row', async ({ page }) => {
	await page.goto('/login');
	await page.getByLabel('Username').fill('supervisor');
	await page.getByLabel('Password').fill('fieldwork311');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/board$/);
	const map = page.getByTestId('board-map');
	await expect(map).toHaveAttribute('data-idle', 'true', { timeout: 20_000 });
	const clusters = Number(await map.getAttribute('data-clusters'));
	expect(clusters).toBeGreaterThan(0);
	await map.screenshot({ path: 'test-results/board-map.png' });

	// Tapping a cluster zooms in.
	const position = async (attr: string) => {
		const [x, y] = (await map.getAttribute(attr))!.split(',').map(Number);
		return { x: x!, y: y! };
	};
	const zoomBefore = Number(await map.getAttribute('data-zoom'));
	await map.click({ position: await position('data-cluster-at') });
	await expect.poll(async () => Number(await map.getAttribute('data-zoom'))).toBeGreaterThan(zoomBefore);

	// Keep zooming into clusters until single points show, then tap one: its row is picked.
	for (let i = 0; i < 8 && !(await map.getAttribute('data-point-at')); i++) {
		const z = Number(await map.getAttribute('data-zoom'));
		await map.click({ position: await position('data-cluster-at') });
		await expect.poll(async () => Number(await map.getAttribute('data-zoom'))).toBeGreaterThan(z);
	}
	await map.click({ position: await position('data-point-at') });
	await expect(page.locator('tr.selected[data-testid=order-row]')).toHaveCount(1);
});
