import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { signIn, waitForOfflineReady } from './crew-helpers';

const VIEWPORTS = [
	{ name: 'tablet-landscape', width: 1280, height: 800 },
	{ name: 'tablet-portrait', width: 800, height: 1280 },
	{ name: 'phone', width: 390, height: 844 }
];
const MIN_TARGET_PX = 48;

/** Controls smaller than a fingertip, and whether the page scrolls sideways. */
async function layoutProblems(page: Page) {
	return page.evaluate((min) => {
		const small: string[] = [];
		for (const el of document.querySelectorAll<HTMLElement>('main button, main select, main input:not([type=checkbox]):not([type=radio]):not([type=file]), main .chip, main textarea')) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 || r.height === 0) continue;
			if (r.height < min - 0.5 || r.width < min - 0.5) small.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? el.getAttribute('aria-label') ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
		}
		return { small, overflow: document.documentElement.scrollWidth - window.innerWidth };
	}, MIN_TARGET_PX);
}

async function expectAccessible(page: Page) {
	const result = await new AxeBuilder({ page }).analyze();
	expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('crew screens: no accessibility violations, 48 px targets and no sideways scrolling at tablet and phone sizes', async ({ page }) => {
	await signIn(page, 'eli');
	await waitForOfflineReady(page);
	const id = (await page.getByTestId('order-card').first().getAttribute('data-order-id'))!;
	const screens = [
		{ name: 'today', path: '/crew', ready: page.getByTestId('order-card').first() },
		{ name: 'order', path: `/crew/orders/${id}`, ready: page.getByTestId('order-detail') },
		{ name: 'outbox', path: '/crew/outbox', ready: page.getByTestId('storage-info') }
	];
	for (const vp of VIEWPORTS) {
		await page.setViewportSize({ width: vp.width, height: vp.height });
		for (const s of screens) {
			await page.goto(s.path);
			await expect(s.ready).toBeVisible();
			await page.screenshot({ path: `test-results/screens/${s.name}-${vp.name}.png`, fullPage: true });
			const problems = await layoutProblems(page);
			expect(problems.small, `${s.name} at ${vp.name}`).toEqual([]);
			expect(problems.overflow, `${s.name} at ${vp.name} scrolls sideways`).toBeLessThanOrEqual(0);
			if (vp.name === 'tablet-landscape') await expectAccessible(page);
		}
	}
});

test('signing out with unsynced work warns first; staying keeps the session', async ({ page }) => {
	await signIn(page, 'fatima');
	await waitForOfflineReady(page);
	await page.getByTestId('order-card').first().click();
	await page.context().setOffline(true);
	await page.getByLabel('Note text').fill('Left a door hanger.');
	await page.getByRole('button', { name: 'Add note' }).click();
	await expect(page.getByTestId('pending-count')).toContainText('1 pending (1 not sent)');

	await page.getByRole('button', { name: 'Sign out' }).click();
	const dialog = page.getByTestId('confirm-dialog');
	await expect(dialog).toBeVisible();
	await expect(dialog.getByTestId('sign-out-warning')).toContainText('1 change made on this tablet has not reached the server yet');
	await expectAccessible(page);
	await dialog.getByRole('button', { name: 'Stay signed in' }).click();
	await expect(dialog).toBeHidden();

	// Signing out needs the server: offline it says so and nothing changes.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await dialog.getByRole('button', { name: 'Sign out anyway' }).click();
	await expect(page.getByTestId('sign-out-error')).toContainText('needs a connection');
	await expect(page.getByTestId('pending-count')).toContainText('1 pending');

	// Online, the note goes out and signing out no longer warns.
	await page.context().setOffline(false);
	await expect(page.getByTestId('pending-count')).toContainText('0 pending', { timeout: 15_000 });
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login$/);
});
