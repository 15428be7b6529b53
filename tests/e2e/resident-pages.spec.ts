import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { DEMO_PASSWORD } from '../helpers/demo';

/** The resident loop's pages (issue 07): the report form, the status page, the lookup, unsubscribe. */

const PHOTO = path.join(import.meta.dirname, '../fixtures/photos/camera-3000x2000-exif.jpg');
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 1024, height: 768 };
const PHOTO_TIMEOUT_MS = 30_000;

/** The form, once its script runs (the map starts only then). */
async function openReport(page: Page, url = '/report') {
	await page.goto(url);
	await expect(page.getByTestId('report-map')).toHaveAttribute('data-status', 'ready');
}

/** Fills and sends a report with a map pin; answers the new request's id from the status page's URL. */
async function reportWithPin(page: Page, opts: { description: string; email?: string; photo?: boolean }): Promise<string> {
	await openReport(page);
	await page.getByTestId('report-category').selectOption({ label: 'Graffiti Public Property' });
	await page.getByTestId('report-description').fill(opts.description);
	await expect(page.getByTestId('report-pin-status')).toHaveAttribute('data-pinned', 'false');
	await page.getByTestId('report-map').locator('canvas').click({ position: { x: 120, y: 120 } });
	await expect(page.getByTestId('report-pin-status')).toHaveAttribute('data-pinned', 'true');
	await expect(page.getByTestId('report-pin-status')).toContainText(/Pin placed at 37\.\d+, -122\.\d+/);
	if (opts.photo) await page.getByTestId('report-photo').setInputFiles(PHOTO);
	if (opts.email) await page.getByTestId('report-email').fill(opts.email);
	await page.getByTestId('report-submit').click();
	// A camera photo is re-encoded (EXIF removed, scaled) before the order is made: allow it time on a slow CI box.
	await expect(page).toHaveURL(/\/requests\/[0-9A-Z-]+\?new=1$/, { timeout: PHOTO_TIMEOUT_MS });
	return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
}

test.describe('resident pages', () => {
	test('offline, sending says nothing was sent and keeps the report; back online it goes through', async ({ page }) => {
		await openReport(page);
		await page.getByTestId('report-category').selectOption({ label: 'Graffiti Public Property' });
		await page.getByTestId('report-description').fill('Tag on the mailbox, sent with no signal');
		await page.getByTestId('report-address').fill('Market St & 4th St');
		await page.context().setOffline(true);
		await page.getByTestId('report-submit').click();
		await expect(page.getByTestId('report-offline')).toContainText('your report was not sent');
		await expect(page).toHaveURL(/\/report$/);
		await expect(page.getByTestId('report-description')).toHaveValue('Tag on the mailbox, sent with no signal');
		await expect(page.getByTestId('report-category')).toHaveValue('graffiti_public_property');
		await expect(page.getByTestId('report-submit')).toBeEnabled();

		await page.context().setOffline(false);
		await page.getByTestId('report-submit').click();
		await expect(page).toHaveURL(/\/requests\/[0-9A-Z-]+\?new=1$/, { timeout: PHOTO_TIMEOUT_MS });
		await expect(page.getByTestId('request-description')).toHaveText('Tag on the mailbox, sent with no signal');
	});

	test('report with a pin and a photo lands on the status page with thanks', async ({ page }) => {
		await page.setViewportSize(TABLET);
		const id = await reportWithPin(page, { description: 'Fresh tag on the bus shelter', email: 'pin.reporter@example.org', photo: true });
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Request #${id}`);
		await expect(page.getByTestId('request-status')).toHaveText('Received');
		await expect(page.getByTestId('thanks')).toContainText(`#${id}`);
		await expect(page.getByTestId('thanks')).toContainText('We will e-mail you at each step.');
		await expect(page.getByTestId('request-service')).toHaveText('Graffiti Public Property');
		await expect(page.getByTestId('request-description')).toHaveText('Fresh tag on the bus shelter');
		await expect(page.getByTestId('request-location')).toContainText(/Near 37\.\d+, -122\.\d+/);
		await expect(page.getByTestId('timeline-step').first()).toContainText('Request received');
		const photo = page.getByTestId('reporter-photo');
		await expect(photo).toHaveAttribute('src', /^\/media\/uploads\/[a-z0-9]+\.jpg$/);
		await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
		// Never the reporter's private data on the public page.
		await expect(page.locator('body')).not.toContainText('pin.reporter@example.org');

		// The same page later (no ?new=1): no thanks box.
		await page.goto(`/requests/${id}`);
		await expect(page.getByTestId('request-status')).toHaveText('Received');
		await expect(page.getByTestId('thanks')).toHaveCount(0);
	});

	test('Spanish from Accept-Language, and the switch sets it for the next pages', async ({ browser }) => {
		const context = await browser.newContext({ locale: 'es-ES' });
		const page = await context.newPage();
		await openReport(page);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Reportar un problema');
		await expect(page.getByTestId('report-submit')).toHaveText('Enviar reporte');
		const id = await (async () => {
			await page.getByTestId('report-category').selectOption({ label: 'Graffiti Public Property' });
			await page.getByTestId('report-address').fill('Market St & 5th St');
			await page.getByTestId('report-submit').click();
			await expect(page).toHaveURL(/\/requests\/[0-9A-Z-]+\?new=1$/);
			return new URL(page.url()).pathname.split('/').pop()!;
		})();
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Solicitud n.º ${id}`);
		await expect(page.getByTestId('request-status')).toHaveText('Recibida');
		await expect(page.getByTestId('thanks')).toContainText('¡Gracias!');
		await expect(page.getByTestId('thanks')).not.toContainText('correo'); // no e-mail given
		await expect(page.getByTestId('request-location')).toHaveText('Market St & 5th St');

		await page.getByTestId('lang-switch').getByRole('link', { name: 'English' }).click();
		await expect(page.getByTestId('request-status')).toHaveText('Received');
		await expect(page.locator('[data-testid="request-page"]')).toHaveAttribute('lang', 'en');
		// The choice is remembered (cookie) even though the browser still asks for Spanish.
		await page.goto('/requests');
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Follow a request');
		await page.getByTestId('lang-switch').getByRole('link', { name: 'Español' }).click();
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Seguir una solicitud');
		await context.close();
	});

	test('an invalid report lists the errors and keeps what was typed', async ({ page }) => {
		await page.setViewportSize(PHONE);
		await openReport(page);
		const long = 'x'.repeat(5000);
		// maxlength stops typing past 4,000; a pasted or scripted value still reaches the server, which must refuse it.
		await page.getByTestId('report-description').evaluate((el: HTMLTextAreaElement, v: string) => (el.value = v), long);
		await page.getByTestId('report-email').fill('keep.me@example.org');
		await page.getByTestId('report-address').fill('Somewhere');
		await page.getByTestId('report-submit').click();
		const errors = page.getByTestId('report-errors');
		await expect(errors).toBeVisible();
		await expect(errors).toHaveAttribute('role', 'alert');
		await expect(errors).toContainText('Choose what kind of problem it is.');
		await expect(errors).toContainText('The description is too long: 5,000 characters, at most 4,000.');
		await expect(page).toHaveURL(/\/report$/);
		expect(await page.getByTestId('report-description').inputValue()).toBe(long);
		await expect(page.getByTestId('report-email')).toHaveValue('keep.me@example.org');
		await expect(page.getByTestId('report-address')).toHaveValue('Somewhere');

		// An address the geocoder cannot place: the intake's refusal is shown too, nothing lost, no 500.
		await page.getByTestId('report-category').selectOption({ label: 'Graffiti Public Property' });
		await page.getByTestId('report-description').fill('Short now');
		await page.getByTestId('report-address').fill('Nowhere Lane & Imaginary Ave');
		await page.getByTestId('report-submit').click();
		await expect(errors).toContainText('could not be found');
		await expect(page.getByTestId('report-category')).toHaveValue(/.+/);
		await expect(page.getByTestId('report-description')).toHaveValue('Short now');
	});

	test('the form works without JavaScript: errors come back in the page, values kept', async ({ browser }) => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto('/report');
		await page.getByTestId('report-description').fill('No script here');
		await page.getByTestId('report-submit').click();
		await expect(page.getByTestId('report-errors')).toContainText('Choose what kind of problem it is.');
		await expect(page.getByTestId('report-description')).toHaveValue('No script here');
		await context.close();
	});

	test('lookup by number, unknown id is a 404 in the chosen language', async ({ page }) => {
		await page.goto('/requests');
		await page.getByTestId('request-lookup').getByLabel('Request number').fill('#NOPE-404');
		await page.getByTestId('request-lookup').getByRole('button', { name: 'Show' }).click();
		await expect(page).toHaveURL(/\/requests\/NOPE-404$/);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Request not found');
		await expect(page.getByTestId('not-found')).toHaveText('We could not find request #NOPE-404. Check the number and try again.');

		const res = await page.goto('/requests/NOPE-404?lang=es');
		expect(res?.status()).toBe(404);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Solicitud no encontrada');
	});

	test('the sign-in page leads residents to the form and the lookup', async ({ page }) => {
		await page.goto('/login');
		await page.getByTestId('resident-links').getByRole('link', { name: 'Report a problem' }).click();
		await expect(page).toHaveURL(/\/report$/);
		await page.goto('/login');
		await page.getByTestId('resident-links').getByRole('link', { name: 'Follow a request' }).click();
		await expect(page).toHaveURL(/\/requests$/);
		await expect(page.getByTestId('request-lookup')).toBeVisible();
	});

	test('unsubscribe: confirm page, one-click POST, forged links refused', async ({ page, playwright, baseURL }) => {
		const id = await reportWithPin(page, { description: 'Mail me', email: 'unsub.me@example.org' });
		// The link the e-mail carries, as an admin sees it in the outbox.
		const admin = await playwright.request.newContext({ baseURL });
		expect((await admin.post('/api/auth/login', { data: { username: 'admin', password: DEMO_PASSWORD } })).ok()).toBe(true);
		type Outbox = { messages: { order_id: string; unsubscribe_url: string; state: string }[] };
		let link = '';
		await expect
			.poll(async () => {
				const out = (await (await admin.get('/api/admin/outbox')).json()) as Outbox;
				link = out.messages.find((m) => m.order_id === id)?.unsubscribe_url ?? '';
				return link;
			})
			.toMatch(/\/unsubscribe\/[\w-]+\.[\w-]+$/);
		const linkPath = new URL(link).pathname;

		await page.goto(linkPath);
		await expect(page.getByText('Stop all 311 e-mails to unsub.me@example.org?')).toBeVisible();
		await page.getByTestId('unsubscribe-button').click();
		await expect(page.getByTestId('unsubscribe-done')).toHaveText('Done: we will not e-mail unsub.me@example.org about requests any more.');

		// RFC 8058 one-click from a mail client: no Origin, no cookies, not asking for HTML.
		const mailClient = await playwright.request.newContext({ baseURL });
		const oneClick = await mailClient.post(linkPath, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: 'List-Unsubscribe=One-Click' });
		expect(oneClick.status()).toBe(200);
		const forgedPath = linkPath.replace(/.{4}$/, 'AAAA');
		const forged = await mailClient.post(forgedPath, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: 'List-Unsubscribe=One-Click' });
		expect(forged.status()).toBe(400);

		// The next report's mail to that address is suppressed, not sent.
		const second = await reportWithPin(page, { description: 'Mail me again', email: 'unsub.me@example.org' });
		await expect
			.poll(async () => ((await (await admin.get('/api/admin/outbox')).json()) as Outbox).messages.find((m) => m.order_id === second)?.state)
			.toBe('suppressed');

		const res = await page.goto(forgedPath);
		expect(res?.status()).toBe(400);
		await expect(page.getByTestId('unsubscribe-invalid')).toHaveText('This link is not valid. Use the link from one of our e-mails.');
		await admin.dispose();
		await mailClient.dispose();
	});

	for (const [name, viewport] of [
		['phone', PHONE],
		['tablet', TABLET]
	] as const) {
		test(`${name}: no horizontal overflow, touch-sized controls`, async ({ page }) => {
			await page.setViewportSize(viewport);
			const id = await reportWithPin(page, { description: `Layout check on a ${name}` });
			for (const url of ['/report', `/requests/${id}`, '/requests']) {
				await page.goto(url);
				const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
				expect(overflow, `${url} scrolls sideways`).toBeLessThanOrEqual(0);
				await page.screenshot({ path: `test-results/resident-${name}-${url.split('/')[1]}.png`, fullPage: true });
			}
			await page.goto('/report');
			for (const testid of ['report-category', 'report-description', 'report-address', 'report-email', 'report-submit', 'report-photo']) {
				const box = await page.getByTestId(testid).boundingBox();
				expect(box?.height ?? 0, `${testid} height`).toBeGreaterThanOrEqual(44);
			}
			const switchLinks = page.getByTestId('lang-switch').getByRole('link');
			for (const link of await switchLinks.all()) expect((await link.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44);
		});
	}
});
