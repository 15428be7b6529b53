/**
 * Sign-in, sessions and role rules against the built app and its seeded embedded store, over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_CREW_MEMBER, DEMO_OTHER_CREW_MEMBER, DEMO_PASSWORD } from '../helpers/demo';

let app: RunningApp;

beforeAll(async () => {
	app = await startApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_MINUTES: '15' } });
});
afterAll(async () => {
	await app?.stop();
});

interface OrderList {
	orders: { service_request_id: string; crew: string | null; status: string; reporter?: unknown }[];
	total: number;
}

describe('POST /api/auth/login', () => {
	it('signs in with a demo account and sets a signed HttpOnly SameSite=Lax cookie', async () => {
		const s = new Session(app.url);
		const res = await s.login(DEMO_CREW_MEMBER.username, DEMO_PASSWORD);
		expect(res.status).toBe(200);
		const body = (await res.json()) as { user: Record<string, unknown>; sync_path: string };
		expect(body).toEqual({
			user: { id: 'ana', name: 'Ana Morales', role: 'crew', crew: DEMO_CREW_MEMBER.crew },
			sync_path: `/sync/crew-${DEMO_CREW_MEMBER.crew}`
		});
		const cookie = res.headers.get('set-cookie') ?? '';
		expect(cookie).toMatch(/^fw_session=[^;]+\.[^;]+;/);
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Lax/i);
		expect(JSON.stringify(body)).not.toContain('password');

		const me = await s.request('GET', '/api/auth/me');
		expect(me.status).toBe(200);
		const mine = (await me.json()) as { user: { id: string }; sync_path: string; crew: { id: string; depot: { lat: number } } };
		expect(mine.user.id).toBe('ana');
		// What the tablet keeps to start offline: where it syncs and its crew's depot (nearest-first order).
		expect(mine.sync_path).toBe('/sync/crew-dpw-cleaning-1');
		expect(mine.crew.id).toBe('dpw-cleaning-1');
		expect(mine.crew.depot.lat).toBeGreaterThan(37);
	});

	it('usernames are case-insensitive; staff have no sync path', async () => {
		const s = new Session(app.url);
		const res = await s.login('  Supervisor ', DEMO_PASSWORD);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ user: { role: 'supervisor', crew: null }, sync_path: null });
	});

	it.each([
		['not JSON', 'username=ana&password=x', { 'content-type': 'application/json' }, /not valid JSON/],
		['a JSON array', '[]', {}, /expected object/],
		['no password', JSON.stringify({ username: 'ana' }), {}, /password/],
		['empty username', JSON.stringify({ username: '', password: 'x' }), {}, /username is required/],
		['a number for a username', JSON.stringify({ username: 42, password: 'x' }), {}, /username/],
		['an unexpected field', JSON.stringify({ username: 'ana', password: 'x', role: 'admin' }), {}, /role/],
		['a text/plain body', JSON.stringify({ username: 'ana', password: 'x' }), { 'content-type': 'text/plain' }, /Content-Type: application\/json/],
		['a form body', 'username=ana&password=x', { 'content-type': 'application/x-www-form-urlencoded' }, /Content-Type: application\/json/]
	])('a malformed body (%s) is a 400 with a reason', async (_name, body, headers, reason) => {
		const s = new Session(app.url);
		const res = await s.request('POST', '/api/auth/login', body, { 'content-type': 'application/json', ...headers });
		expect(res.status).toBe(400);
		const json = (await res.json()) as { error: string; reason: string };
		expect(json.error).toBe('bad_request');
		expect(json.reason).toMatch(reason);
	});

	it('a form post from another site is refused (CSRF)', async () => {
		const s = new Session(app.url);
		const res = await s.request('POST', '/api/auth/login', 'username=ana&password=x', {
			'content-type': 'application/x-www-form-urlencoded',
			origin: 'https://evil.example'
		});
		expect(res.status).toBe(403);
		expect(await res.json()).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/Cross-site POST/) });
	});

	it('a body over 64 KB is a 413', async () => {
		const s = new Session(app.url);
		const res = await s.request('POST', '/api/auth/login', { username: 'ana', password: 'x'.repeat(70_000) });
		expect(res.status).toBe(413);
	});

	it('a wrong password or unknown user is a 401 with the same message', async () => {
		const a = await new Session(app.url).login('manager', 'wrong');
		const b = await new Session(app.url).login('nobody-here', 'wrong');
		expect(a.status).toBe(401);
		expect(b.status).toBe(401);
		expect(await a.json()).toEqual(await b.json());
	});

	it('locks a username after repeated failures (429 with Retry-After), even for the right password', async () => {
		const s = new Session(app.url);
		for (let i = 0; i < 3; i++) expect((await s.login('hana', 'wrong-' + i)).status).toBe(401);
		const locked = await s.login('hana', DEMO_PASSWORD);
		expect(locked.status).toBe(429);
		expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(((await locked.json()) as { reason: string }).reason).toMatch(/Too many failed sign-ins/);
		// Another account is not affected.
		expect((await new Session(app.url).login('gus', DEMO_PASSWORD)).status).toBe(200);
	});

	it('a successful sign-in clears earlier failures', async () => {
		const s = new Session(app.url);
		for (let i = 0; i < 2; i++) expect((await s.login('ivan', 'wrong')).status).toBe(401);
		expect((await s.login('ivan', DEMO_PASSWORD)).status).toBe(200);
		for (let i = 0; i < 2; i++) expect((await s.login('ivan', 'wrong')).status).toBe(401);
		expect((await s.login('ivan', DEMO_PASSWORD)).status).toBe(200);
	});
});

describe('POST /login (the sign-in form without its script)', () => {
	const post = (body: string, query = '', origin = app.url) =>
		fetch(`${app.url}/login${query}`, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin } });

	it.each([
		['no fields', '', /username is required/],
		['an empty username', 'username=&password=x', /username is required/],
		['no password', 'username=carla', /^password: /]
	])('%s: 400 with the reason on the page, no session, the username kept', async (_, body, reason) => {
		const res = await post(body);
		expect(res.status).toBe(400);
		expect(res.headers.get('set-cookie')).toBeNull();
		const html = await res.text();
		expect(/data-testid="login-error">([^<]*)</.exec(html)?.[1]).toMatch(reason);
		if (body.includes('carla')) expect(html).toContain('value="carla"');
	});

	it('a wrong password is a 401 with the same message as the API; another site is refused', async () => {
		const res = await post('username=dev&password=wrong');
		expect(res.status).toBe(401);
		expect(res.headers.get('set-cookie')).toBeNull();
		expect(/data-testid="login-error">([^<]*)</.exec(await res.text())?.[1]).toMatch(/username or password/i);
		expect((await post(`username=dev&password=${DEMO_PASSWORD}`, '', 'https://evil.example')).status).toBe(403);
	});

	it('the right password sets the session and goes home, never to another site', async () => {
		const res = await post(`username=dev&password=${DEMO_PASSWORD}`, `?next=${encodeURIComponent('//evil.example/x')}`);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/crew');
		expect(res.headers.get('set-cookie')).toMatch(/^fw_session=[^;]+\.[^;]+;.*HttpOnly/i);
		const next = await post(`username=supervisor&password=${DEMO_PASSWORD}`, `?next=${encodeURIComponent('/board?x=1')}`);
		expect(next.headers.get('location')).toBe('/board?x=1');
	});
});

describe('sessions', () => {
	it('without a session, API routes are 401 and pages redirect to sign-in', async () => {
		const s = new Session(app.url);
		expect((await s.request('GET', '/api/auth/me')).status).toBe(401);
		expect((await s.request('GET', '/api/orders')).status).toBe(401);
		const page = await s.request('GET', '/crew');
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toBe('/login?next=%2Fcrew');
	});

	it('a tampered cookie is no session', async () => {
		const s = new Session(app.url);
		await s.login('supervisor', DEMO_PASSWORD);
		const [name, value] = s.cookie.split('=') as [string, string];
		const [data, mac] = value.split('.') as [string, string];
		const forged = Buffer.from(JSON.stringify({ sub: 'admin', iat: 1, exp: 4_102_444_800 })).toString('base64url');
		s.cookie = `${name}=${forged}.${mac}`;
		expect((await s.request('GET', '/api/auth/me')).status).toBe(401);
		s.cookie = `${name}=${data}.${mac.slice(0, -2)}xx`;
		expect((await s.request('GET', '/api/auth/me')).status).toBe(401);
	});

	it('logout clears the cookie', async () => {
		const s = new Session(app.url);
		await s.login('manager', DEMO_PASSWORD);
		const out = await s.request('POST', '/api/auth/logout');
		expect(out.status).toBe(200);
		expect(out.headers.get('set-cookie')).toMatch(/fw_session=;.*Max-Age=0/i);
		expect((await s.request('GET', '/api/auth/me')).status).toBe(401);
	});
});

describe('role rules', () => {
	it('a crew member gets only their own crew\'s open orders, without reporter data', async () => {
		const crew = new Session(app.url);
		await crew.login(DEMO_CREW_MEMBER.username, DEMO_PASSWORD);
		const mine = (await (await crew.request('GET', '/api/crew/orders')).json()) as OrderList;
		expect(mine.total).toBeGreaterThan(0);
		expect(mine.orders.every((o) => o.crew === DEMO_CREW_MEMBER.crew && o.status !== 'closed')).toBe(true);
		expect(mine.orders.every((o) => !('reporter' in o))).toBe(true);

		const sup = new Session(app.url);
		await sup.login('supervisor', DEMO_PASSWORD);
		const all = (await (await sup.request('GET', '/api/orders')).json()) as OrderList;
		const expected = all.orders.filter((o) => o.crew === DEMO_CREW_MEMBER.crew).map((o) => o.service_request_id).sort();
		expect(mine.orders.map((o) => o.service_request_id).sort()).toEqual(expected);

		const other = new Session(app.url);
		await other.login(DEMO_OTHER_CREW_MEMBER.username, DEMO_PASSWORD);
		const theirs = (await (await other.request('GET', '/api/crew/orders')).json()) as OrderList;
		const overlap = theirs.orders.filter((o) => expected.includes(o.service_request_id));
		expect(overlap).toEqual([]);
	});

	it('a supervisor sees every open order: assigned to the 5 crews and unassigned', async () => {
		const sup = new Session(app.url);
		await sup.login('supervisor', DEMO_PASSWORD);
		const all = (await (await sup.request('GET', '/api/orders')).json()) as OrderList;
		expect(all.total).toBe(all.orders.length);
		expect(all.orders.every((o) => o.status !== 'closed')).toBe(true);
		expect(new Set(all.orders.map((o) => o.crew).filter(Boolean)).size).toBe(5);
		expect(all.orders.some((o) => o.crew === null)).toBe(true);
	});

	it('a crew member may not use staff APIs or pages (403)', async () => {
		const crew = new Session(app.url);
		await crew.login(DEMO_CREW_MEMBER.username, DEMO_PASSWORD);
		const api = await crew.request('GET', '/api/orders');
		expect(api.status).toBe(403);
		expect(await api.json()).toMatchObject({ error: 'forbidden' });
		expect((await crew.request('GET', '/board')).status).toBe(403);
	});

	it('staff may not use the crew list (403)', async () => {
		const sup = new Session(app.url);
		await sup.login('supervisor', DEMO_PASSWORD);
		expect((await sup.request('GET', '/api/crew/orders')).status).toBe(403);
	});
});
