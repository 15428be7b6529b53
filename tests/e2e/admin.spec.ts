/**
 * The admin pages of the resident loop (issue 07) in the browser: from the header's Admin link to the Open311
 * API keys (a refused name keeps the form, a new key is shown once and works, revoking stops it) and the
 * outbox of resident e-mails.
 */
import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD } from '../helpers/demo';

test('admin issues an Open311 key (bad names refused), it works until revoked; the outbox lists the mails', async ({ page, request }) => {
	await page.goto('/login');
	await page.getByLabel('Username').fill('admin');
	await page.getByLabel('Password').fill(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByTestId('admin-link').click();
	await expect(page).toHaveURL(/\/admin$/);
	await page.getByRole('link', { name: 'Open311 API keys' }).click();
	await expect(page).toHaveURL(/\/admin\/api-keys$/);

	// Blank after trimming: refused with the reason, the contact kept, no key made.
	const rowsBefore = await page.getByTestId('api-key-row').count();
	await page.getByLabel('App or partner').fill('   ');
	await page.getByLabel('Contact (optional)').fill('dev@partner.example');
	await page.getByRole('button', { name: 'Issue key' }).click();
	await expect(page.getByRole('alert')).toContainText('at least 2 characters');
	await expect(page.getByLabel('Contact (optional)')).toHaveValue('dev@partner.example');
	await expect(page.getByTestId('new-key')).toHaveCount(0);
	await expect(page.getByTestId('api-key-row')).toHaveCount(rowsBefore);

	await page.getByLabel('App or partner').fill('Neighborhood app');
	await page.getByRole('button', { name: 'Issue key' }).click();
	const key = (await page.getByTestId('new-key-value').textContent())!.trim();
	expect(key).toMatch(/^fw311_/);
	const row = page.getByTestId('api-key-row').filter({ hasText: 'Neighborhood app' });
	await expect(row).toContainText('Active');
	await page.reload();
	await expect(page.locator('body')).not.toContainText(key); // not shown again

	// Far from the other specs' reports, so it never becomes the duplicate parent of theirs.
	const post = (apiKey: string) =>
		request.post('/open311/v2/requests.json', {
			form: { api_key: apiKey, service_code: 'streetlights', lat: '37.7600', long: '-122.4300', description: 'From a partner app', email: 'partner.user@example.org' }
		});
	const ok = await post(key);
	expect(ok.status()).toBe(201);
	const id = ((await ok.json()) as { service_request_id: string }[])[0]!.service_request_id;

	await row.getByRole('button', { name: 'Revoke' }).click();
	await expect(row).toContainText('Revoked');
	expect((await post(key)).status()).toBe(403);

	// The resident's "received" mail is in the outbox (this server sends through the test mail sink).
	await page.goto('/admin/outbox');
	const mail = page.getByTestId('outbox-message').filter({ hasText: id });
	// The page is a snapshot: reload until the notifier has handed the mail to the SMTP server.
	await expect(async () => {
		await page.reload();
		await expect(mail.locator('.state')).toHaveText('sent', { timeout: 1000 });
	}).toPass({ timeout: 20_000 });
	await expect(mail).toContainText('to partner.user@example.org');
});
