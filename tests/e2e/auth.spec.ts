import { expect, test, type Page } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_CREW_MEMBER, DEMO_OTHER_CREW_MEMBER } from '../helpers/demo';

async function signIn(page: Page, username: string, password: string) {
	await page.goto('/login');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a crew member sees only their own crew\'s open orders', async ({ page, request }) => {
	await signIn(page, DEMO_CREW_MEMBER.username, DEMO_PASSWORD);
	await expect(page).toHaveURL(/\/crew$/);
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Today');
	const cards = page.getByTestId('order-card');
	await expect(cards.first()).toBeVisible();

	// Compare with what the supervisor's API says this crew holds: same set, nothing from other crews.
	const sup = await request.post('/api/auth/login', { data: { username: 'supervisor', password: DEMO_PASSWORD } });
	expect(sup.ok()).toBe(true);
	const all = (await (await request.get('/api/orders')).json()) as { orders: { service_request_id: string; crew: string | null }[] };
	const mine = all.orders.filter((o) => o.crew === DEMO_CREW_MEMBER.crew).map((o) => o.service_request_id).sort();
	const others = all.orders.filter((o) => o.crew !== DEMO_CREW_MEMBER.crew).map((o) => o.service_request_id);
	expect(mine.length).toBeGreaterThan(0);
	expect(others.length).toBeGreaterThan(0);

	// The list comes from the tablet's database as it syncs: wait for all of it, then compare.
	await expect(page.getByTestId('order-count')).toHaveText(String(mine.length));
	const shown = (await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-order-id') ?? ''))).sort();
	expect(shown).toEqual(mine);
	await page.screenshot({ path: 'test-results/crew-today.png', fullPage: true });
});

test('another crew sees a different list, and a crew member cannot open the board', async ({ page }) => {
	await signIn(page, DEMO_OTHER_CREW_MEMBER.username, DEMO_PASSWORD);
	await expect(page).toHaveURL(/\/crew$/);
	await expect(page.getByTestId('order-card').first()).toBeVisible(); // read from the tablet's database
	const ids = await page.getByTestId('order-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-order-id')));
	expect(ids.length).toBeGreaterThan(0);
	const res = await page.goto('/board');
	expect(res?.status()).toBe(403);
});

test('a supervisor sees all open orders, assigned and unassigned', async ({ page }) => {
	await signIn(page, 'supervisor', DEMO_PASSWORD);
	await expect(page).toHaveURL(/\/board$/);
	const rows = page.getByTestId('order-row');
	await expect(rows.first()).toBeVisible();
	const crews = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-crew') ?? ''));
	const distinctCrews = new Set(crews.filter(Boolean));
	expect(distinctCrews.size).toBeGreaterThanOrEqual(4);
	expect(crews.some((c) => c === '')).toBe(true); // unassigned ones in department queues too
	const total = Number(await page.getByTestId('order-count').textContent());
	expect(total).toBe(crews.length);

	await page.getByTestId('filter-assignment').selectOption('unassigned');
	const unassigned = Number(await page.getByTestId('order-count').textContent());
	expect(unassigned).toBeLessThan(total);
	expect(unassigned).toBe(crews.filter((c) => c === '').length);
	await page.screenshot({ path: 'test-results/supervisor-board.png' });
});

test('a wrong password shows an error and stays on the sign-in page', async ({ page }) => {
	await signIn(page, 'supervisor', 'not-the-password');
	await expect(page.getByTestId('login-error')).toHaveText('Wrong username or password');
	await expect(page).toHaveURL(/\/login/);
	// Signed out pages redirect to sign-in.
	await page.goto('/board');
	await expect(page).toHaveURL(/\/login\?next=%2Fboard/);
});

test('signing out ends the session', async ({ page }) => {
	await signIn(page, 'supervisor', DEMO_PASSWORD);
	await expect(page).toHaveURL(/\/board$/);
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	const me = await page.request.get('/api/auth/me');
	expect(me.status()).toBe(401);
});

test.describe('before the script has loaded (or with JavaScript off)', () => {
	test.use({ javaScriptEnabled: false });

	test('the sign-in form still signs in, and never puts the password in the address', async ({ page }) => {
		await page.goto('/login?next=%2Fboard');
		await page.getByLabel('Username').fill('supervisor');
		await page.getByLabel('Password').fill('not-the-password');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.getByTestId('login-error')).toHaveText('Wrong username or password');
		expect(page.url()).not.toContain('password');
		await expect(page.getByLabel('Username')).toHaveValue('supervisor'); // typed name kept

		await page.getByLabel('Password').fill(DEMO_PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page).toHaveURL(/\/board$/);
		expect(page.url()).not.toContain('password');
		const me = await page.request.get('/api/auth/me');
		expect(((await me.json()) as { user: { id: string } }).user.id).toBe('supervisor');
	});
});

test('what was typed before the page script arrived (slow link) is kept, and signs in', async ({ page }) => {
	let release!: () => void;
	const scriptsHeld = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/_app/immutable/entry/**', async (route) => {
		await scriptsHeld;
		await route.continue();
	});
	await page.goto('/login', { waitUntil: 'domcontentloaded' });
	await page.getByLabel('Username').fill('supervisor');
	await page.getByLabel('Password').fill(DEMO_PASSWORD);
	release();
	await page.waitForLoadState('networkidle'); // the app has started on top of the typed form
	await expect(page.getByLabel('Username')).toHaveValue('supervisor');
	await expect(page.getByLabel('Password')).toHaveValue(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/board$/);
});
