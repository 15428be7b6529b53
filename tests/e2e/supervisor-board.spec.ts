/**
 * The supervisors' dispatch board (issue 06) with two browser contexts, a supervisor's and a crew tablet's,
 * against the built app and its store: assignments reach the tablet, the tablet's work reaches the board
 * live, box select and bulk assign, suggestions accepted after an edit, the conflict flow end to end.
 */
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import type { BoardOrder, WorkOrder } from '../../src/lib/domain';
import { DEMO_PASSWORD } from '../helpers/demo';
import { goOffline, signIn, waitForOfflineReady } from './crew-helpers';

async function openBoard(browser: Browser): Promise<Page> {
	const ctx = await browser.newContext({ viewport: { width: 1366, height: 1000 } });
	const page = await ctx.newPage();
	await page.goto('/login');
	await page.getByLabel('Username').fill('supervisor');
	await page.getByLabel('Password').fill(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/board$/);
	await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
	return page;
}

async function boardOrders(request: APIRequestContext): Promise<BoardOrder[]> {
	const res = await request.get('/api/board');
	expect(res.ok()).toBe(true);
	return ((await res.json()) as { orders: BoardOrder[] }).orders;
}
const orderOf = async (request: APIRequestContext, id: string) => (await (await request.get(`/api/orders/${id}`)).json()) as WorkOrder;
const row = (page: Page, id: string) => page.locator(`[data-testid=order-row][data-order-id="${id}"]`);

async function closeOnTablet(page: Page, id: string) {
	await page.locator(`[data-testid=order-card][data-order-id="${id}"]`).click();
	await page.getByLabel('Resolution').selectOption('no_issue_found');
	await page.getByRole('button', { name: 'Close order' }).click();
	await expect(page.getByTestId('order-detail')).toHaveAttribute('data-status', 'closed');
}

test('supervisor assigns -> the crew tablet shows it; the crew closes -> the board updates live; the crew may not dispatch', async ({ page: tablet, browser }) => {
	await signIn(tablet, 'gus');
	await waitForOfflineReady(tablet);
	const board = await openBoard(browser);
	// The tablet's presence ping: the crews panel says it is online.
	const crewRow = board.locator('[data-testid=crew-row][data-crew="dpw-streets-1"]');
	await expect(crewRow).toHaveAttribute('data-online', 'true', { timeout: 15_000 });
	const openBefore = Number(await crewRow.getAttribute('data-open'));

	const target = (await boardOrders(board.request)).find((o) => o.crew === null && o.status === 'new' && o.department === 'dpw')!;
	const id = target.service_request_id;
	await board.getByPlaceholder(/Search id/).fill(id);
	await expect(board.getByTestId('order-count')).toHaveText('1');
	await row(board, id).getByRole('checkbox').check();
	await expect(board.getByTestId('selected-count')).toHaveText('1');
	await board.getByTestId('assign-crew').selectOption('dpw-streets-1');
	await board.getByRole('button', { name: 'Assign', exact: true }).click();
	await expect(board.getByTestId('bulk-results')).toHaveAttribute('data-applied', '1');
	await expect(row(board, id)).toHaveAttribute('data-crew', 'dpw-streets-1');
	await expect(crewRow).toHaveAttribute('data-open', String(openBefore + 1));

	// The tablet gets it by replication, without a reload.
	await expect(tablet.locator(`[data-testid=order-card][data-order-id="${id}"]`)).toBeVisible({ timeout: 15_000 });

	// The order's history names the supervisor.
	await row(board, id).getByRole('button', { name: id }).click();
	await expect(board.getByTestId('order-history')).toContainText('Assigned to crew dpw-streets-1');
	await expect(board.getByTestId('order-history')).toContainText('Sam Rivera');

	// The crew closes it: the board shows it without a reload.
	const closedBefore = Number(await board.getByTestId('closed-today').textContent());
	await closeOnTablet(tablet, id);
	await expect(row(board, id)).toHaveCount(0, { timeout: 15_000 }); // left the open list
	await expect(board.getByTestId('closed-today')).toHaveText(String(closedBefore + 1));
	await expect(crewRow).toHaveAttribute('data-open', String(openBefore));
	await board.getByTestId('filter-assignment').selectOption('closed');
	await expect(row(board, id)).toHaveAttribute('data-status', 'closed');

	// A crew session calling the dispatch APIs: 403, and nothing changes.
	const other = (await boardOrders(board.request)).find((o) => o.crew === null && o.status === 'new')!;
	const asCrew = tablet.request;
	expect((await asCrew.post('/api/dispatch/bulk', { data: { orders: [other.service_request_id], action: 'assign', payload: { crew: 'dpw-streets-1' } } })).status()).toBe(403);
	expect((await asCrew.post('/api/dispatch/suggest', { data: { orders: [other.service_request_id] } })).status()).toBe(403);
	expect((await asCrew.post(`/api/orders/${other.service_request_id}/actions`, { data: { action: 'assign', payload: { crew: 'dpw-streets-1' } } })).status()).toBe(403);
	expect((await asCrew.get('/api/board')).status()).toBe(403);
	expect((await orderOf(board.request, other.service_request_id)).crew).toBeNull();
	await board.context().close();
});

/** Web Mercator y of a latitude (the map's projection). */
const mercY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

test('box-select orders on the map and assign them all; each order reports its result', async ({ browser }) => {
	const board = await openBoard(browser);
	await board.getByTestId('filter-assignment').selectOption('unassigned');
	await board.getByTestId('filter-department').selectOption('dpw');
	const map = board.getByTestId('board-map');
	await expect(map).toHaveAttribute('data-idle', 'true', { timeout: 20_000 });
	const [w, s, e, n] = (await map.getAttribute('data-bounds'))!.split(',').map(Number) as [number, number, number, number];
	const canvas = (await map.locator('canvas').boundingBox())!;
	const candidates = (await boardOrders(board.request))
		.filter((o) => o.crew === null && o.status === 'new' && o.department === 'dpw')
		.map((o) => ({
			id: o.service_request_id,
			x: canvas.x + ((o.long - w) / (e - w)) * canvas.width,
			y: canvas.y + ((mercY(n) - mercY(o.lat)) / (mercY(n) - mercY(s))) * canvas.height
		}))
		.filter((p) => p.x > canvas.x + 60 && p.x < canvas.x + canvas.width - 70 && p.y > canvas.y + 20 && p.y < canvas.y + canvas.height - 40);
	// A box around the ten orders nearest the map's middle, its edges clear of every point.
	const mid = { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height / 2 };
	const ten = [...candidates].sort((a, b) => Math.hypot(a.x - mid.x, a.y - mid.y) - Math.hypot(b.x - mid.x, b.y - mid.y)).slice(0, 10);
	expect(ten).toHaveLength(10);
	let pad = 6;
	const boxOf = (p: number) => ({
		x0: Math.min(...ten.map((t) => t.x)) - p,
		x1: Math.max(...ten.map((t) => t.x)) + p,
		y0: Math.min(...ten.map((t) => t.y)) - p,
		y1: Math.max(...ten.map((t) => t.y)) + p
	});
	const nearEdge = (b: ReturnType<typeof boxOf>) =>
		candidates.some((c) => [c.x - b.x0, b.x1 - c.x, c.y - b.y0, b.y1 - c.y].some((d) => Math.abs(d) < 3) && c.x > b.x0 - 3 && c.x < b.x1 + 3 && c.y > b.y0 - 3 && c.y < b.y1 + 3);
	while (nearEdge(boxOf(pad)) && pad < 40) pad += 4;
	const box = boxOf(pad);
	const inside = candidates.filter((c) => c.x > box.x0 && c.x < box.x1 && c.y > box.y0 && c.y < box.y1).map((c) => c.id).sort();
	expect(inside.length).toBeGreaterThanOrEqual(10);

	await board.getByTestId('select-area').click();
	await board.mouse.move(box.x0, box.y0);
	await board.mouse.down();
	await board.mouse.move((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, { steps: 4 });
	await board.mouse.move(box.x1, box.y1, { steps: 4 });
	await board.mouse.up();
	await expect(board.getByTestId('selected-count')).toHaveText(String(inside.length));
	const selected = await board.locator('tr.selected[data-testid=order-row]').evaluateAll((els) => els.map((el) => el.getAttribute('data-order-id')!).sort());
	expect(selected).toEqual(inside);
	await board.screenshot({ path: 'test-results/board-box-selected.png' });

	await board.getByTestId('assign-crew').selectOption('dpw-cleaning-1');
	await board.getByRole('button', { name: 'Assign', exact: true }).click();
	const results = board.getByTestId('bulk-results');
	await expect(results).toHaveAttribute('data-applied', String(inside.length));
	await expect(results).toHaveAttribute('data-failed', '0');
	for (const id of inside) expect((await orderOf(board.request, id)).crew).toBe('dpw-cleaning-1');
	// They left the "unassigned" view by themselves (live), and the selection is empty.
	await expect(board.locator('[data-testid=order-row]').filter({ has: board.locator(`text=${inside[0]}`) })).toHaveCount(0);
	await expect(board.getByTestId('selected-count')).toHaveText('0');
	await board.context().close();
});

test('offline, the board says so and an action changes nothing and says why; back online it is live again', async ({ browser }) => {
	const board = await openBoard(browser);
	await board.getByTestId('filter-assignment').selectOption('unassigned');
	const id = (await board.getByTestId('order-row').first().getAttribute('data-order-id'))!;
	await row(board, id).getByRole('checkbox').check();
	await board.context().setOffline(true);
	await expect(board.getByTestId('live-state')).toHaveAttribute('data-state', 'down');
	await board.getByTestId('assign-crew').selectOption('dpw-cleaning-1');
	await board.getByRole('button', { name: 'Assign', exact: true }).click();
	await expect(board.getByTestId('action-bar').getByRole('alert')).toContainText('No connection to the server; nothing was changed');
	await expect(board.getByTestId('selected-count')).toHaveText('1'); // the selection is kept for a retry
	await board.context().setOffline(false);
	await expect(board.getByTestId('live-state')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
	expect((await orderOf(board.request, id)).crew).toBeNull();
	await board.context().close();
});

test('suggested crews change nothing until accepted; an edited suggestion is what gets assigned', async ({ browser }) => {
	const board = await openBoard(browser);
	await board.getByTestId('filter-assignment').selectOption('unassigned');
	await board.getByTestId('filter-department').selectOption('dpw');
	const rows = board.getByTestId('order-row');
	const ids = (await rows.evaluateAll((els) => els.slice(0, 3).map((el) => el.getAttribute('data-order-id')!)));
	for (const id of ids) await row(board, id).getByRole('checkbox').check();
	await board.getByRole('button', { name: 'Suggest crews' }).click();
	const suggestions = board.getByTestId('suggestion');
	await expect(suggestions).toHaveCount(3);
	for (const id of ids) expect((await orderOf(board.request, id)).crew).toBeNull(); // nothing changed yet
	// Every suggestion is a Public Works crew (the orders' department).
	const chosen = await board.getByTestId('suggestions').locator('select').evaluateAll((els) => els.map((el) => (el as HTMLSelectElement).value));
	expect(chosen.every((c) => c.startsWith('dpw-'))).toBe(true);

	await board.getByLabel(`Crew for #${ids[0]}`).selectOption('dpw-graffiti-1');
	await board.getByRole('button', { name: 'Assign as shown' }).click();
	await expect(board.getByTestId('bulk-results')).toHaveAttribute('data-applied', '3');
	expect((await orderOf(board.request, ids[0]!)).crew).toBe('dpw-graffiti-1');
	expect((await orderOf(board.request, ids[1]!)).crew).toBe(chosen[1]);
	await board.context().close();
});

test('conflict flow: the crew closes offline an order reassigned meanwhile -> the inbox shows both sides -> the supervisor accepts', async ({ page: tablet, browser }) => {
	await signIn(tablet, 'fatima');
	await waitForOfflineReady(tablet);
	const id = (await tablet.getByTestId('order-card').first().getAttribute('data-order-id'))!;
	await goOffline(tablet);

	// Meanwhile the supervisor gives it to another crew, from the order's panel on the board.
	const board = await openBoard(browser);
	await board.getByPlaceholder(/Search id/).fill(id);
	await row(board, id).getByRole('button', { name: id }).click();
	const detail = board.getByTestId('order-detail');
	await detail.getByRole('combobox').first().selectOption('dpw-cleaning-1');
	await detail.getByRole('button', { name: 'Reassign' }).click();
	await expect(detail.getByRole('status')).toContainText('Assigned to Public Works Street Cleaning 1');

	// The crew, still offline and unaware, closes it; then signal returns.
	await closeOnTablet(tablet, id);
	await tablet.context().setOffline(false);
	await expect(tablet.getByTestId('pending-count')).toContainText('0 pending', { timeout: 20_000 });

	// The board's inbox link counts it (live), and the inbox shows both sides.
	await expect(board.getByTestId('open-conflicts')).toHaveText(/[1-9]/, { timeout: 15_000 });
	await board.getByTestId('conflicts-link').click();
	await expect(board).toHaveURL(/\/board\/conflicts/);
	const card = board.getByTestId('conflict-card').filter({ has: board.locator(`[data-testid=conflict-order-link]:text("#${id}")`) });
	await expect(card).toHaveCount(1, { timeout: 15_000 });
	await expect(card).toHaveAttribute('data-state', 'open');
	await expect(card.getByTestId('conflict-action')).toContainText('Closed');
	await expect(card.getByTestId('conflict-message')).toContainText('dpw-graffiti-1');
	await expect(card.getByTestId('conflict-order-now')).toContainText('Street Cleaning 1');
	await board.screenshot({ path: 'test-results/conflict-inbox.png', fullPage: true });

	// Accepting needs a reason; then the close is applied and the resolution recorded.
	await card.getByRole('button', { name: 'Accept' }).click();
	await expect(card.getByText(/Give a reason/)).toBeVisible();
	expect((await orderOf(board.request, id)).status).not.toBe('closed');
	await card.getByLabel('Reason').fill('Graffiti crew was on site; their close stands');
	await card.getByRole('button', { name: 'Accept' }).click();
	await expect(card.getByTestId('conflict-resolution')).toContainText('Graffiti crew was on site');
	await expect(card).toHaveAttribute('data-state', 'accepted');
	const order = await orderOf(board.request, id);
	expect(order.status).toBe('closed');
	expect(order.history.at(-1)?.summary).toContain('accepted by Sam Rivera');
	await board.context().close();
});
