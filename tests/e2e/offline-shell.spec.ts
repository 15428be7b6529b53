import { expect, test } from '@playwright/test';
import { goOffline, signIn, waitForOfflineReady } from './crew-helpers';

test('the crew app opens and moves between screens in airplane mode after one online sign-in', async ({ page }) => {
	await signIn(page, 'ana');
	await waitForOfflineReady(page);
	await expect(page.getByTestId('order-card').first()).toBeVisible();
	const count = await page.getByTestId('order-card').count();
	expect(count).toBeGreaterThan(0);

	await goOffline(page);
	await page.reload();
	await expect(page.getByTestId('sync-phase')).toHaveAttribute('data-phase', 'offline');
	await expect(page.getByTestId('order-card')).toHaveCount(count);

	// A screen never opened online: the service worker's shell renders it from the tablet's database.
	const id = (await page.getByTestId('order-card').nth(1).getAttribute('data-order-id'))!;
	await page.goto(`/crew/orders/${id}`);
	await expect(page.getByTestId('order-detail')).toBeVisible();
	await page.goto('/crew/outbox');
	await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
	// The installed app's start URL goes to Today offline too.
	await page.goto('/');
	await expect(page).toHaveURL(/\/crew$/);
	await expect(page.getByTestId('order-card')).toHaveCount(count);
});
