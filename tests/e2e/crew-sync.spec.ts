import { expect, test, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../helpers/demo';

async function signIn(page: Page, username: string) {
	await page.goto('/login');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/crew$/);
}


test('a crew member works an order on the tablet: shown at once, synced, offline work kept and sent later', async ({ page, browser }) => {
	await signIn(page, 'gus');
	const first = page.getByTestId('order-card').first();
	await expect(first).toBeVisible();
	const id = (await first.getAttribute('data-order-id'))!;
	await first.click();
	const detail = page.getByTestId('order-detail');
	await expect(detail).toBeVisible();

	// En route: the tablet shows it at once (shared reducer), then the server applies it.
	await page.getByRole('button', { name: 'En route' }).click();
	await expect(detail).toHaveAttribute('data-status', 'en_route');
	await expect(page.getByTestId('pending-note')).toHaveCount(0, { timeout: 10_000 });

	// A supervisor sees it on the master.
	const sup = await browser.newContext();
	const login = await sup.request.post('/api/auth/login', { data: { username: 'supervisor', password: DEMO_PASSWORD } });
	expect(login.ok()).toBe(true);
	const statusOnServer = async () => {
		const all = (await (await sup.request.get('/api/orders')).json()) as { orders: { service_request_id: string; status: string }[] };
		return all.orders.find((o) => o.service_request_id === id)?.status ?? 'closed';
	};
	await expect.poll(statusOnServer).toBe('en_route');

	// Offline: a note is saved on the tablet and queued.
	await page.context().setOffline(true);
	await page.getByLabel('Note text').fill('Gate locked; back after lunch');
	await page.getByRole('button', { name: 'Add note' }).click();
	await expect(page.getByTestId('sync-phase')).toHaveAttribute('data-phase', 'offline');
	await expect(page.getByTestId('pending-count')).toContainText('1 pending (1 not sent)');
	await expect(page.getByTestId('pending-note')).toContainText('1 change saved on this tablet');
	await page.screenshot({ path: 'test-results/crew-offline.png', fullPage: true });

	// Back online: it is sent and applied without anything from the user.
	await page.context().setOffline(false);
	await expect(page.getByTestId('pending-count')).toContainText('0 pending', { timeout: 15_000 });
	await expect(page.getByTestId('pending-note')).toHaveCount(0);
	await page.getByTestId('pending-count').click();
	await expect(page.getByTestId('outbox-entry').first()).toHaveAttribute('data-status', 'applied');
	await expect(page.getByTestId('outbox-entry')).toHaveCount(2); // en route + the note

	// Close with a resolution that needs no photo: done on the tablet and on the server.
	await page.goto(`/crew/orders/${id}`);
	await page.getByLabel('Resolution').selectOption('no_issue_found');
	await page.getByLabel('Note for the resident (public)').fill('Nothing found at this address.');
	await page.getByRole('button', { name: 'Close order' }).click();
	await expect(page.getByTestId('order-detail')).toHaveAttribute('data-status', 'closed');
	await expect.poll(statusOnServer, { timeout: 10_000 }).toBe('closed');
	await sup.close();
});

test('an invalid action is refused on the tablet with a reason and nothing is queued', async ({ page }) => {
	await signIn(page, 'hana');
	await page.getByTestId('order-card').first().click();
	await page.getByRole('button', { name: 'Close order' }).click();
	await expect(page.getByTestId('action-error')).toHaveText('Choose a resolution');
	await expect(page.getByTestId('pending-count')).toContainText('0 pending');
});
