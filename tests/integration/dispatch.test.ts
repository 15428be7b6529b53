/**
 * The dispatch APIs (issue 06) against the built app and its store over HTTP: bulk actions with per-order
 * results and all-or-nothing input checks, suggestions that change nothing, supervisor actions in the same
 * reducer, crew presence, the board's live event stream, and who may call what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_STATUSES, type BoardCrew, type BoardOrder, type WorkOrder } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';

let app: RunningApp;
let store: CouchClient;
let supervisor: Session;
let manager: Session;
let crew: Session;

beforeAll(async () => {
	app = await startApp({ env: { SEED: 'demo' } });
	store = await storeOf(app.dataDir);
	supervisor = new Session(app.url);
	manager = new Session(app.url);
	crew = new Session(app.url);
	expect((await supervisor.login('supervisor', DEMO_PASSWORD)).status).toBe(200);
	expect((await manager.login('manager', DEMO_PASSWORD)).status).toBe(200);
	expect((await crew.login('ana', DEMO_PASSWORD)).status).toBe(200);
});
afterAll(async () => {
	await app?.stop();
});

async function board(): Promise<{ orders: BoardOrder[]; crews: BoardCrew[]; openConflicts: number }> {
	const res = await supervisor.request('GET', '/api/board');
	expect(res.status).toBe(200);
	return res.json();
}
const order = (id: string) => store.db('orders').get<WorkOrder>(`order:${id}`);
async function queue(n: number, department = 'dpw'): Promise<string[]> {
	const ids = (await board()).orders.filter((o) => o.status === 'new' && o.crew === null && o.department === department).map((o) => o.service_request_id);
	expect(ids.length).toBeGreaterThanOrEqual(n);
	return ids.slice(0, n);
}
const bulk = (body: unknown, who = supervisor) => who.request('POST', '/api/dispatch/bulk', body);

describe('bulk dispatch', () => {
	it('assigns many orders and reports per order: applied, unknown order, refused (closed), and the rest goes on', async () => {
		const ids = await queue(3);
		const closed = (await store.db('orders').find<WorkOrder>({ selector: { type: 'work_order', status: 'closed' }, limit: 1 })).docs[0]!;
		const res = await bulk({ orders: [...ids, 'no-such-order', closed.service_request_id], action: 'assign', payload: { crew: 'dpw-cleaning-1' } });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { results: { order: string; ok: boolean; outcome: string; reason: string | null }[]; applied: number; failed: number };
		expect(body.applied).toBe(3);
		expect(body.failed).toBe(2);
		expect(body.results.map((r) => r.order)).toEqual([...ids, 'no-such-order', closed.service_request_id]);
		expect(body.results.slice(0, 3).every((r) => r.ok && r.outcome === 'applied')).toBe(true);
		expect(body.results[3]).toMatchObject({ ok: false, outcome: 'not_found' });
		expect(body.results[4]).toMatchObject({ ok: false, outcome: 'refused' });
		expect(body.results[4]!.reason).toMatch(/closed/);
		for (const id of ids) {
			const o = await order(id);
			expect(o).toMatchObject({ crew: 'dpw-cleaning-1', status: 'assigned' });
			expect(o.history.at(-1)).toMatchObject({ action: 'assign', by: 'supervisor', outcome: 'applied' });
		}
		// The refused close never reached the order or the conflict inbox.
		const after = await order(closed.service_request_id);
		expect(after._rev).toBe(closed._rev);
		expect((await board()).openConflicts).toBe(0);
	});

	it('one operation per order (accepted suggestions) assigns each to its own crew', async () => {
		const [a, b] = await queue(2);
		const res = await bulk({
			operations: [
				{ order: a, action: 'assign', payload: { crew: 'dpw-streets-1' } },
				{ order: b, action: 'set_priority', payload: { priority: 'urgent' } }
			]
		});
		expect(res.status).toBe(200);
		expect((await order(a!)).crew).toBe('dpw-streets-1');
		expect((await order(b!)).priority).toBe('urgent');
	});

	it('refuses malformed requests with 400 and a reason, changing nothing', async () => {
		const ids = await queue(2);
		const before = await Promise.all(ids.map(order));
		const cases: [unknown, RegExp][] = [
			[{ orders: [], action: 'assign', payload: { crew: 'dpw-cleaning-1' } }, /orders/],
			[{ orders: ids, action: 'assign', payload: {} }, /crew/],
			[{ orders: ids, action: 'close', payload: { resolution_code: 'completed' } }, /action/],
			[{ orders: [ids[0], ids[0]], action: 'set_priority', payload: { priority: 'high' } }, /twice/],
			[{ orders: Array.from({ length: 501 }, (_, i) => String(i)), action: 'set_priority', payload: { priority: 'high' } }, /500/],
			// One bad operation among good ones: none is applied.
			[{ operations: [{ order: ids[0], action: 'set_priority', payload: { priority: 'high' } }, { order: ids[1], action: 'set_priority', payload: { priority: 'extreme' } }] }, /operation 1/],
			[{ orders: ids, action: 'assign', payload: { crew: 'no-such-crew' } }, /unknown crew/]
		];
		for (const [body, reason] of cases) {
			const res = await bulk(body);
			expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
			expect(((await res.json()) as { reason: string }).reason).toMatch(reason);
		}
		expect((await bulk('not json')).status).toBe(400);
		const after = await Promise.all(ids.map(order));
		expect(after.map((o) => o._rev)).toEqual(before.map((o) => o._rev));
	});

	it('crews and managers may not dispatch (403); nothing changes', async () => {
		const [id] = await queue(1);
		for (const who of [crew, manager]) {
			expect((await bulk({ orders: [id], action: 'assign', payload: { crew: 'dpw-cleaning-1' } }, who)).status).toBe(403);
			expect((await who.request('POST', '/api/dispatch/suggest', { orders: [id] })).status).toBe(403);
		}
		expect((await crew.request('POST', `/api/orders/${id}/actions`, { action: 'assign', payload: { crew: 'dpw-cleaning-1' } })).status).toBe(403);
		expect((await manager.request('POST', `/api/orders/${id}/actions`, { action: 'assign', payload: { crew: 'dpw-cleaning-1' } })).status).toBe(403);
		expect((await crew.request('GET', '/api/board')).status).toBe(403);
		expect((await manager.request('GET', '/api/board')).status).toBe(200); // managers may look
		// ...at a board without the controls their role may not use.
		const asManager = await (await manager.request('GET', '/board')).text();
		const asSupervisor = await (await supervisor.request('GET', '/board')).text();
		for (const control of ['data-testid="action-bar"', 'data-testid="conflicts-link"']) {
			expect(asSupervisor).toContain(control);
			expect(asManager).not.toContain(control);
		}
		expect(asManager).toContain('data-testid="order-table"');
		expect((await order(id!)).crew).toBeNull();
	});
});

describe('supervisor actions in the reducer', () => {
	it('moving to another department takes the order from its crew into that department\'s queue; changing type to another department\'s does too', async () => {
		const [a, b] = await queue(2);
		await bulk({ orders: [a, b], action: 'assign', payload: { crew: 'dpw-cleaning-2' } });
		const moved = await supervisor.request('POST', `/api/orders/${a}/actions`, { action: 'set_department', payload: { department: 'sfmta', reason: 'A signal, not a street' } });
		expect(moved.status).toBe(200);
		expect(((await moved.json()) as { order: WorkOrder }).order).toMatchObject({ department: 'sfmta', crew: null, status: 'new' });
		const types = (await store.db('directory').find<{ service_code: string; department: string }>({ selector: { type: 'service_type' }, limit: 100 })).docs;
		const sfmtaType = types.find((t) => t.department === 'sfmta')!;
		const retyped = await supervisor.request('POST', `/api/orders/${b}/actions`, { action: 'set_service_type', payload: { service_code: sfmtaType.service_code } });
		expect(retyped.status).toBe(200);
		expect(await order(b!)).toMatchObject({ service_code: sfmtaType.service_code, department: 'sfmta', crew: null, status: 'new' });
		expect((await supervisor.request('POST', `/api/orders/${b}/actions`, { action: 'set_service_type', payload: { service_code: 'volcano' } })).status).toBe(400);
		expect((await supervisor.request('POST', `/api/orders/${b}/actions`, { action: 'set_department', payload: { department: 'Not A Slug' } })).status).toBe(400);
		const unknownDept = await supervisor.request('POST', `/api/orders/${b}/actions`, { action: 'set_department', payload: { department: 'parks' } });
		expect(unknownDept.status).toBe(400);
		expect(((await unknownDept.json()) as { reason: string }).reason).toMatch(/unknown department parks/);
		expect((await supervisor.request('POST', `/api/orders/${b}/actions`, { action: 'set_department', payload: { department: 'dpw', reason: 'x' } })).status).toBe(400);
	});
});

describe('auto-suggest', () => {
	it('proposes a crew of the order\'s department for each unassigned order, skips the others, and changes nothing', async () => {
		const ids = await queue(4);
		const assigned = (await board()).orders.find((o) => o.crew !== null && o.status !== 'closed')!;
		const before = await Promise.all(ids.map(order));
		const res = await supervisor.request('POST', '/api/dispatch/suggest', { orders: [...ids, assigned.service_request_id, 'nope'] });
		expect(res.status).toBe(200);
		const answer = (await res.json()) as {
			suggestions: { order: string; crew: string | null; added_minutes: number }[];
			skipped: { order: string; reason: string }[];
			before: { crew: string; minutes: number }[];
			after: { crew: string; minutes: number }[];
		};
		expect(answer.suggestions.map((s) => s.order)).toEqual(ids);
		const crews = (await board()).crews;
		for (const s of answer.suggestions) {
			expect(crews.find((c) => c.id === s.crew)?.department).toBe('dpw');
			expect(s.added_minutes).toBeGreaterThan(0);
		}
		expect(answer.skipped.map((s) => s.order).sort()).toEqual([assigned.service_request_id, 'nope'].sort());
		const total = (list: { minutes: number }[]) => list.reduce((t, w) => t + w.minutes, 0);
		expect(total(answer.after)).toBeGreaterThan(total(answer.before));
		expect((await Promise.all(ids.map(order))).map((o) => o._rev)).toEqual(before.map((o) => o._rev));
	});

	it('refuses a malformed request with 400', async () => {
		for (const body of [{}, { orders: [] }, { orders: 'x' }, { orders: ['1'], extra: true }]) {
			expect((await supervisor.request('POST', '/api/dispatch/suggest', body)).status).toBe(400);
		}
	});
});

describe('the board from memory', () => {
	it('once the orders feed has caught up, the board holds exactly the open orders and those closed in the last day, as the store has them', async () => {
		await board(); // the first board load starts the shared orders feed
		await eventually(async () => {
			const health = (await (await fetch(`${app.url}/healthz`)).json()) as { open311_index: { ready: boolean } };
			return health.open311_index.ready || undefined;
		}, 60_000);
		// A change made just now is in the board once the feed has it (milliseconds on an idle server).
		const [id] = await queue(1);
		expect((await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'set_priority', payload: { priority: 'low' } })).status).toBe(200);
		const changed = await eventually(async () => (await board()).orders.find((o) => o.service_request_id === id && o.priority === 'low'), 5000);
		expect(changed).toBeDefined();

		const since = Date.now() - 24 * 60 * 60 * 1000;
		const all = (await store.db('orders').find<WorkOrder>({ selector: { type: 'work_order' }, limit: 100_000 })).docs;
		const expected = all
			.filter((o) => (OPEN_STATUSES as readonly string[]).includes(o.status) || (o.status === 'closed' && o.closed_datetime !== null && Date.parse(o.closed_datetime) >= since))
			.filter((o) => !o.closed_datetime || Date.parse(o.closed_datetime) >= since)
			.map((o) => `${o.service_request_id}:${o.status}:${o.crew}:${o.priority}`)
			.sort();
		const shown = (await board()).orders.map((o) => `${o.service_request_id}:${o.status}:${o.crew}:${o.priority}`).sort();
		expect(shown.length).toBeGreaterThan(100);
		expect(shown).toEqual(expected);
	});
});

describe('presence and the live stream', () => {
	it('a crew tablet\'s ping shows on the board as online with its last sync; bad pings are refused', async () => {
		const synced = new Date(Date.now() - 60_000).toISOString();
		expect((await crew.request('POST', '/api/crew/presence', { last_synced_at: synced, queued_actions: 2 })).status).toBe(200);
		const c = (await board()).crews.find((x) => x.id === 'dpw-cleaning-1')!;
		expect(c.last_synced_at).toBe(synced);
		expect(c.queued_actions).toBe(2);
		expect(Date.now() - Date.parse(c.seen_at!)).toBeLessThan(60_000);
		for (const body of [{}, { last_synced_at: 'yesterday', queued_actions: 0 }, { last_synced_at: null, queued_actions: -1 }]) {
			expect((await crew.request('POST', '/api/crew/presence', body)).status).toBe(400);
		}
		expect((await supervisor.request('POST', '/api/crew/presence', { last_synced_at: null, queued_actions: 0 })).status).toBe(403);
	});

	it('the board\'s event stream says ready, then sends a changed order and the conflict count', async () => {
		const res = await fetch(`${app.url}/api/board/events`, { headers: { cookie: supervisor.cookie } });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
		let text = '';
		const until = async (pattern: RegExp) => {
			const deadline = Date.now() + 10_000;
			while (!pattern.test(text)) {
				if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${text.slice(-500)}`);
				const { value, done } = await reader.read();
				if (done) throw new Error('the stream ended');
				text += value;
			}
		};
		await until(/event: ready/);
		const [id] = await queue(1);
		expect((await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'set_priority', payload: { priority: 'high' } })).status).toBe(200);
		await until(new RegExp(`event: order\\ndata: \\{[^\\n]*"service_request_id":"${id}"[^\\n]*"priority":"high"`));
		await reader.cancel();

		expect((await fetch(`${app.url}/api/board/events`, { headers: { cookie: crew.cookie } })).status).toBe(403);
		expect((await fetch(`${app.url}/api/board/events`)).status).toBe(401);
	});
});
