/**
 * The managers' page (issue 08) in the browser: the manager lands on it, the figures are the API's for the
 * same filters, the presets and the service type filter change them, the charts and the heat map draw, the
 * breakdown switches dimension, the CSV export downloads the range's requests; an admin's SLA change moves
 * the share within SLA; crews are refused; a phone shows it without sideways scrolling.
 */
import { expect, test, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import type { ReportResponse } from '../../src/lib/domain';
import { DEMO_PASSWORD } from '../helpers/demo';

async function signIn(page: Page, username: string) {
	await page.goto('/login');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).not.toHaveURL(/\/login/);
}

const count = (n: number) => n.toLocaleString('en-US');

/** The figures the API gives for a query, with the page's own session. */
async function apiSummary(page: Page, query: string): Promise<ReportResponse> {
	const res = await page.request.get(`/api/reports/summary?${query}`);
	expect(res.status()).toBe(200);
	return (await res.json()) as ReportResponse;
}

/** True when the canvas holds drawn (non-transparent) pixels. */
const drawn = (page: Page, testid: string) =>
	page.getByTestId(testid).locator('canvas').evaluate((c: HTMLCanvasElement) => {
		const ctx = c.getContext('2d')!;
		const px = ctx.getImageData(0, 0, c.width, c.height).data;
		let painted = 0;
		for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) painted++;
		return painted > 500;
	});

test('a manager reads the figures: presets, type filter, charts, breakdowns, heat map, CSV export', async ({ page }) => {
	await signIn(page, 'manager');
	await expect(page).toHaveURL(/\/reports$/);
	await expect(page.getByTestId('report-range')).toContainText('Requests made');

	await page.getByRole('link', { name: 'All time' }).click();
	await expect(page).toHaveURL(/range=all/);
	await expect(page.getByTestId('report-range')).toContainText('All requests on record');
	const all = await apiSummary(page, 'range=all');
	expect(all.summary.totals.requests).toBeGreaterThan(4900); // the SF sample and what other specs reported
	await expect(page.getByTestId('kpi-requests')).toContainText(count(all.summary.totals.requests));
	await expect(page.getByTestId('kpi-closed')).toContainText(count(all.summary.totals.closed));
	await expect(page.getByTestId('kpi-sla')).toContainText(`${Math.round(all.summary.totals.sla_share! * 100)} %`);
	await expect(page.getByTestId('excluded-note')).toContainText(count(all.summary.totals.excluded));

	// Charts drawn by Chart.js, the breakdown table in the API's order.
	await expect(page.getByTestId('trend-chart')).toHaveAttribute('data-ready', 'true');
	await expect.poll(() => drawn(page, 'trend-chart')).toBe(true);
	await expect.poll(() => drawn(page, 'breakdown-chart')).toBe(true);
	const firstRow = page.getByTestId('breakdown-table').locator('tbody tr').first();
	await expect(firstRow.locator('th')).toHaveText(all.summary.by.service[0]!.label);
	await expect(firstRow.locator('td').first()).toHaveText(count(all.summary.by.service[0]!.requests));

	await page.getByTestId('dimension-district').click();
	await expect(page.getByTestId('breakdown-table').locator('thead th').first()).toHaveText('Supervisor district');
	await expect(page.getByTestId('breakdown-table').locator('tbody tr').first().locator('th')).toHaveText(all.summary.by.district[0]!.label);
	expect(all.summary.by.district[0]!.label).toMatch(/^District \d+$/);

	await expect(page.getByTestId('top-requests').locator('li')).toHaveCount(all.summary.top_requests.length);
	await expect(page.getByTestId('heat-map')).toHaveAttribute('data-loaded', 'true', { timeout: 20_000 });
	await expect(page.getByTestId('heat-map')).toHaveAttribute('data-cells', String(all.summary.heat.cells.length));
	await expect(page.getByTestId('export-limit')).toBeVisible(); // all time is more than an export holds

	// One service type: the figures are that type's row of the whole.
	await page.getByText('Service types: all').click();
	await page.getByLabel('Graffiti Public Property').check();
	await page.getByRole('button', { name: 'Show' }).click();
	await expect(page).toHaveURL(/service_code=graffiti_public_property/);
	const row = all.summary.by.service.find((g) => g.key === 'graffiti_public_property')!;
	await expect(page.getByTestId('kpi-requests')).toContainText(count(row.requests));
	await expect(page.getByTestId('report-range')).toContainText('1 service types');

	// A year: the export downloads exactly the requests the figures count.
	await page.getByRole('link', { name: 'Last 12 months' }).click();
	await expect(page).toHaveURL(/\?start_date=[\d-]+&end_date=[\d-]+&service_code=graffiti_public_property$/);
	const year = await apiSummary(page, new URL(page.url()).search.slice(1));
	const download = page.waitForEvent('download');
	await page.getByTestId('export-csv').click();
	const file = await download;
	const text = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
	const rows = parse(text, { columns: true }) as Record<string, string>[];
	expect(rows.length).toBe(year.summary.totals.requests);
	expect(rows.every((r) => r.service_code === 'graffiti_public_property')).toBe(true);
});

test('an admin changes an SLA target (a refused value keeps the old one); the share within SLA follows', async ({ page }) => {
	await signIn(page, 'admin');
	const code = 'sign_repair';
	const before = await apiSummary(page, `range=all&service_code=${code}`);
	expect(before.summary.totals.sla_share).toBeLessThan(1);

	await page.getByTestId('admin-link').click();
	await page.getByRole('link', { name: 'SLA targets' }).click();
	const row = page.getByTestId('sla-targets').locator(`tr[data-code="${code}"]`);
	const hours = row.getByRole('spinbutton');
	const old = await hours.inputValue();

	// Passes the browser's own check (a positive number), refused by the server: longer than a year.
	await hours.fill('10000');
	await row.getByRole('button', { name: 'Save' }).click();
	await expect(row.getByRole('alert')).toContainText('at most 8784 hours');
	await page.reload();
	await expect(page.getByTestId('sla-targets').locator(`tr[data-code="${code}"]`).getByRole('spinbutton')).toHaveValue(old);

	// The longest target allowed (a year): more closes are within it, and the page says so.
	await hours.fill('8784');
	await row.getByRole('button', { name: 'Save' }).click();
	await expect(row.getByRole('status')).toHaveText('Saved.');
	const after = (await apiSummary(page, `range=all&service_code=${code}`)).summary.totals.sla_share!;
	expect(after).toBeGreaterThan(before.summary.totals.sla_share!);
	await page.goto(`/reports?range=all&service_code=${code}`);
	await expect(page.getByTestId('kpi-sla')).toContainText(`${Math.round(after * 100)} %`);

	// Put it back.
	await page.goto('/admin/sla');
	await page.getByTestId('sla-targets').locator(`tr[data-code="${code}"]`).getByRole('spinbutton').fill(old);
	await page.getByTestId('sla-targets').locator(`tr[data-code="${code}"]`).getByRole('button', { name: 'Save' }).click();
	await expect(page.getByTestId('sla-targets').locator(`tr[data-code="${code}"]`).getByRole('status')).toHaveText('Saved.');
	expect((await apiSummary(page, `range=all&service_code=${code}`)).summary.totals.sla_share).toBe(before.summary.totals.sla_share);
});

test('business hours: a bad holiday is refused with the reason, a good list is saved', async ({ page }) => {
	await signIn(page, 'admin');
	await page.goto('/admin/sla');
	const form = page.getByTestId('business-hours');
	await form.getByLabel(/Holidays/).fill('2026-12-25\n2026-13-01');
	await form.getByRole('button', { name: 'Save business hours' }).click();
	await expect(form.getByRole('alert')).toContainText('holidays');
	await expect(form.getByLabel(/Holidays/)).toHaveValue('2026-12-25\n2026-13-01'); // kept to mend
	await form.getByLabel(/Holidays/).fill('2026-12-25\n2027-01-01');
	await form.getByRole('button', { name: 'Save business hours' }).click();
	await expect(form.getByRole('status')).toHaveText('Business hours saved.');
	await page.reload();
	await expect(page.getByTestId('business-hours').getByLabel(/Holidays/)).toHaveValue('2026-12-25\n2027-01-01');
	await page.goto('/reports');
	await expect(page.getByTestId('sla-note')).toContainText('2 holidays');
});

test('crews may not see reports', async ({ page }) => {
	await signIn(page, 'ana');
	await expect(page).toHaveURL(/\/crew/);
	const res = await page.goto('/reports');
	expect(res!.status()).toBe(403);
	expect((await page.request.get('/api/reports/summary')).status()).toBe(403);
});

test('on a phone the page fits the screen and the figures stay readable', async ({ browser }) => {
	const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
	const page = await context.newPage();
	await signIn(page, 'supervisor');
	await page.goto('/reports?range=all');
	await expect(page.getByTestId('kpi-requests')).toBeVisible();
	await expect(page.getByTestId('trend-chart')).toHaveAttribute('data-ready', 'true');
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(overflow).toBeLessThanOrEqual(0);
	await context.close();
});
