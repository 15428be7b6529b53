/**
 * The resident loop (issue 07) end to end, in real Chromium against the built app, its store and a real SMTP
 * server on loopback: a resident reports at /report -> the supervisor assigns it on the board -> the crew
 * closes it offline with a photo -> back online -> Open311 shows it closed with the public note and the photo,
 * the status page shows the closing photo, and the reporter's e-mails arrived.
 */
import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD } from '../helpers/demo';
import { PHOTO_FIXTURE, goOffline, signIn, waitForOfflineReady } from './crew-helpers';
import { sunkMail } from './mail';

test('report -> assign -> close offline with a photo -> closed in Open311, on the status page and by e-mail', async ({ browser }) => {
	test.setTimeout(180_000);
	const email = `resident-${Date.now()}@example.org`;

	// 1. A resident (no account, phone-sized) reports piled-up trash.
	const residentCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
	const resident = await residentCtx.newPage();
	await resident.goto('/report');
	await resident.getByTestId('report-category').selectOption('street_and_sidewalk_cleaning');
	await resident.getByTestId('report-description').fill('Six trash bags and a broken chair on the sidewalk');
	await resident.getByTestId('report-address').fill('Market St & 4th St');
	await resident.getByTestId('report-email').fill(email);
	await resident.getByTestId('report-submit').click();
	// The first report on a fresh store may wait while the store builds its index for the duplicate check.
	await expect(resident).toHaveURL(/\/requests\/\d{6}-[0-9A-Z]{5}\?new=1$/, { timeout: 30_000 });
	const id = /\/requests\/([^?]+)/.exec(resident.url())![1]!;
	await expect(resident.getByTestId('thanks')).toContainText(id);
	await expect(resident.getByTestId('duplicate-notice')).toHaveCount(0);

	// 2. The supervisor assigns it to a street-cleaning crew on the board.
	const boardCtx = await browser.newContext({ viewport: { width: 1366, height: 1000 } });
	const board = await boardCtx.newPage();
	await board.goto('/login');
	await board.getByLabel('Username').fill('supervisor');
	await board.getByLabel('Password').fill(DEMO_PASSWORD);
	await board.getByRole('button', { name: 'Sign in' }).click();
	await expect(board).toHaveURL(/\/board$/);
	await expect(board.getByTestId('live-state')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
	await board.getByPlaceholder(/Search id/).fill(id);
	const row = board.locator(`[data-testid=order-row][data-order-id="${id}"]`);
	await expect(row).toHaveCount(1, { timeout: 15_000 });
	await row.getByRole('checkbox').check();
	await board.getByTestId('assign-crew').selectOption('dpw-cleaning-1');
	await board.getByRole('button', { name: 'Assign', exact: true }).click();
	await expect(board.getByTestId('bulk-results')).toHaveAttribute('data-applied', '1');

	// 3. The crew's tablet gets it, goes into airplane mode, closes it with an after photo and a public note.
	const tabletCtx = await browser.newContext({ viewport: { width: 1024, height: 768 } });
	const tablet = await tabletCtx.newPage();
	await signIn(tablet, 'ana');
	await waitForOfflineReady(tablet);
	const card = tablet.locator(`[data-testid=order-card][data-order-id="${id}"]`);
	await expect(card).toBeVisible({ timeout: 15_000 });
	await goOffline(tablet);
	await card.click();
	await tablet.getByLabel('Resolution').selectOption('completed');
	await tablet.getByLabel('Note for the resident (public)').fill('Bags and chair taken away, sidewalk swept.');
	const chooser = tablet.waitForEvent('filechooser');
	await tablet.getByText('Take the after photo (required)').click();
	await (await chooser).setFiles(PHOTO_FIXTURE);
	await expect(tablet.getByTestId('photo-thumbnail')).toBeVisible({ timeout: 15_000 });
	await tablet.getByRole('button', { name: 'Close order' }).click();
	await expect(tablet.getByTestId('order-detail')).toHaveAttribute('data-status', 'closed');
	await expect(tablet.getByTestId('pending-count')).toContainText('1 pending');

	// Still offline: the city does not know yet.
	const before = (await (await resident.request.get(`/open311/v2/requests/${id}.json`)).json()) as { status: string }[];
	expect(before[0]!.status).toBe('open');

	// 4. Signal returns.
	await tabletCtx.setOffline(false);
	await expect(tablet.getByTestId('pending-count')).toContainText('0 pending', { timeout: 30_000 });

	// 5. Open311 says closed, with the public note and the closing photo (EXIF-free public copy).
	let closed: { status: string; status_notes: string | null; media_url: string | null } | undefined;
	await expect
		.poll(
			async () => {
				closed = ((await (await resident.request.get(`/open311/v2/requests/${id}.json`)).json()) as (typeof closed)[])[0];
				return closed?.status;
			},
			{ timeout: 20_000 }
		)
		.toBe('closed');
	expect(closed!.status_notes).toBe('Bags and chair taken away, sidewalk swept.');
	expect(closed!.media_url).toMatch(/\/media\/closing\/[0-9a-f-]+\/[^/]+$/);
	const photo = await resident.request.get(new URL(closed!.media_url!).pathname);
	expect(photo.status()).toBe(200);
	expect(photo.headers()['content-type']).toBe('image/jpeg');

	// The resident's status page shows it closed, the note and the photo.
	await resident.goto(`/requests/${id}`);
	await expect(resident.getByTestId('request-status')).toContainText(/closed/i);
	await expect(resident.getByTestId('request-timeline')).toContainText('Bags and chair taken away, sidewalk swept.');
	await expect(resident.getByTestId('closing-photo')).toBeVisible();
	expect(await resident.getByTestId('closing-photo').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
	await resident.screenshot({ path: 'test-results/resident-status-closed.png', fullPage: true });

	// 6. The reporter's e-mails arrived at the SMTP server: received, assigned, closed with the note and photo link.
	await expect
		.poll(async () => (await sunkMail(resident.request)).filter((m) => m.to.includes(email)).length, { timeout: 20_000 })
		.toBeGreaterThanOrEqual(3);
	const mails = (await sunkMail(resident.request)).filter((m) => m.to.includes(email));
	expect(mails.every((m) => m.subject.includes(id))).toBe(true);
	const closedMail = mails.find((m) => /closed/i.test(m.subject))!;
	expect(closedMail.text).toContain('Bags and chair taken away, sidewalk swept.');
	expect(closedMail.text).toContain(new URL(closed!.media_url!).pathname);
	expect(closedMail.text).toContain(`/requests/${id}`);

	await residentCtx.close();
	await boardCtx.close();
	await tabletCtx.close();
});
