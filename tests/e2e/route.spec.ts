import { expect, test, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../helpers/demo';
import { goOffline, signIn, waitForOfflineReady } from './crew-helpers';

const CREW = 'dpw-cleaning-2'; // dev's crew

/** The Today list's route: stop ids in screen order, their numbers and ETAs. */
async function route(page: Page) {
	const items = page.locator('[data-stop-id]');
	return {
		ids: await items.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.stopId!)),
		numbers: await page.getByTestId('stop-number').allTextContents(),
		etas: await items.evaluateAll((els) => els.map((e) => Date.parse((e as HTMLElement).dataset.eta ?? ''))),
		locked: await page.locator('[data-stop-id]:has([data-testid=stop-locked])').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.stopId!))
	};
}
const ids = async (page: Page) => (await route(page)).ids;

test('Today is in solved route order with ETAs; moved stops stay locked offline and through Re-optimize; the map follows the streets; progress updates the start', async ({ page, browser }) => {
	// Two more orders from the queue for this crew, so the day has enough stops to order.
	const sup = await browser.newContext();
	expect((await sup.request.post('/api/auth/login', { data: { username: 'supervisor', password: DEMO_PASSWORD } })).ok()).toBe(true);
	const all = (await (await sup.request.get('/api/orders')).json()) as { orders: { service_request_id: string; status: string; crew: string | null }[] };
	for (const o of all.orders.filter((x) => x.status === 'new').slice(0, 2)) {
		expect((await sup.request.post(`/api/orders/${o.service_request_id}/actions`, { data: { action: 'assign', payload: { crew: CREW } } })).ok()).toBe(true);
	}
	await sup.close();

	await signIn(page, 'dev');
	await waitForOfflineReady(page);
	const summary = page.getByTestId('route-summary');
	// Planned on the tablet with the street graph stored with the map.
	await expect(summary).toContainText('by road', { timeout: 20_000 });
	const first = await route(page);
	const n = first.ids.length;
	expect(n).toBeGreaterThanOrEqual(4);
	expect(first.numbers).toEqual(first.ids.map((_, k) => String(k + 1)));
	expect(first.etas.every((t, k) => Number.isFinite(t) && (k === 0 || t > first.etas[k - 1]!)), JSON.stringify(first)).toBe(true);
	expect(first.locked).toEqual([]);

	// Keyboard: the third stop one place up; it is locked there.
	const third = first.ids[2]!;
	await page.locator(`[data-stop-id="${third}"] .handle`).focus();
	await page.keyboard.press('ArrowUp');
	await expect.poll(() => ids(page)).toEqual([first.ids[0], third, first.ids[1], ...first.ids.slice(3)]);
	await expect(page.locator(`[data-stop-id="${third}"]`).getByTestId('stop-locked')).toBeVisible();

	// Drag (pointer): the last stop onto the place of the one three from the end.
	const cur = await ids(page);
	const last = cur[n - 1]!;
	await page.locator(`[data-stop-id="${last}"]`).scrollIntoViewIfNeeded();
	const handle = await page.locator(`[data-stop-id="${last}"] .handle`).boundingBox();
	const target = await page.locator(`[data-stop-id="${cur[n - 3]}"]`).boundingBox();
	await page.mouse.move(handle!.x + handle!.width / 2, handle!.y + handle!.height / 2);
	await page.mouse.down();
	await page.mouse.move(target!.x + target!.width / 2, target!.y + 40, { steps: 8 });
	await page.mouse.up();
	await expect.poll(() => ids(page)).toEqual([...cur.slice(0, n - 3), last, ...cur.slice(n - 3, n - 1)]);
	const moved = await route(page);
	expect(moved.locked.sort()).toEqual([last, third].sort());
	expect(moved.etas.every((t, k) => k === 0 || t > moved.etas[k - 1]!)).toBe(true);

	// Airplane mode and a reload: the same route, the same locks.
	await goOffline(page);
	await page.reload();
	await expect(summary).toContainText('in route order', { timeout: 15_000 });
	await expect.poll(() => ids(page)).toEqual(moved.ids);
	expect((await route(page)).locked.sort()).toEqual([last, third].sort());

	// Re-optimize (still offline): the free stops may move, the locked ones keep their places.
	await page.getByRole('button', { name: 'Re-optimize' }).click();
	await expect(page.getByRole('button', { name: 'Re-optimize' })).toBeEnabled();
	const again = await route(page);
	expect(again.ids.slice().sort()).toEqual(first.ids.slice().sort());
	expect(again.ids[1]).toBe(third);
	expect(again.ids[n - 3]).toBe(last);

	// Unlock: the mark goes.
	await page.getByRole('button', { name: `Unlock #${third}` }).click();
	await expect(page.locator(`[data-stop-id="${third}"]`).getByTestId('stop-locked')).toHaveCount(0);

	// The map: the same numbers, and the line follows the streets (far more points than stops).
	await page.getByRole('link', { name: 'Map', exact: true }).click();
	await expect(page.getByTestId('map-route-summary')).toContainText('along the streets', { timeout: 15_000 });
	await expect(page.locator(`[data-testid=map-stop][data-order-id="${third}"]`)).toHaveText('2');
	await expect(page.locator(`[data-testid=map-stop][data-order-id="${last}"]`)).toHaveText(String(n - 2));
	const points = Number(await page.getByTestId('map').getAttribute('data-route-points'));
	expect(points).toBeGreaterThan(3 * (n + 1));
	await page.screenshot({ path: 'test-results/route-map.png' });

	// Progress: on site at the fourth stop: it comes first, the route starts there, the others keep their order.
	await page.context().setOffline(false);
	await page.getByRole('link', { name: 'Today', exact: true }).click();
	await expect(page.locator('[data-stop-id]')).toHaveCount(n); // the list is drawn before it is read
	const before = await ids(page);
	const fourth = before[3]!;
	await page.locator(`[data-stop-id="${fourth}"] a`).click();
	await page.getByRole('button', { name: 'On site' }).click();
	await expect(page.getByTestId('order-detail')).toHaveAttribute('data-status', 'on_site');
	await page.getByRole('link', { name: 'Today', exact: true }).click();
	await expect(summary).toContainText(`from #${fourth} (on site)`);
	await expect.poll(() => ids(page)).toEqual([fourth, ...before.filter((id) => id !== fourth)]);
	const etas = (await route(page)).etas;
	expect(Math.abs(etas[0]! - Date.now())).toBeLessThan(5 * 60_000); // there now
});
