/**
 * npm run bench:load — issue 09 "Reliability": autocannon against Open311 GETs and against the sync gateway
 * while 100 crews sync at once; the other APIs must keep p95 under 1 s meanwhile.
 *
 * Set-up (a fresh DATA_DIR under bench/out/load, demo seed): 100 crews (load-crew-001…, department dpw, a
 * depot downtown), each with one crew member (password hashed as the app does), written into the directory
 * through the store client. The running app makes their databases with the catalog (the runner looks at the
 * crew list every 30 s); the script waits for that and restarts the app (whose projector makes them at start)
 * only if they do not come. 2,000 new requests (dpw cases of the demo sample,
 * requested over the last 150 days) are written into the orders database as an import would, and the
 * supervisor assigns 20 to each crew through the bulk dispatch API; the projector carries them into the crew
 * databases, as in production.
 *
 * Phases, each BENCH_LOAD_SECONDS long (default 30) except the second:
 *  1. idle: the "other APIs", each one request at a time, paced evenly (BENCH_LOAD_SAMPLES each, default 30):
 *     GET /api/board (supervisor), GET /api/reports/summary over 90 days (manager; a different window every
 *     sample, so its 60 s cache never answers), POST /api/orders/<id>/actions set_priority (supervisor),
 *     GET /api/auth/me (a crew member), GET /healthz;
 *  2. autocannon alone (BENCH_LOAD_ALONE_SECONDS, default 10): the two fixed-rate runs of phase 3 without the
 *     tablets or the sampler, the baseline of the autocannon figures;
 *  3. load, all at once: 100 tablets (the real sync module, src/lib/sync/engine.ts, on in-memory PouchDBs, in
 *     BENCH_LOAD_TABLET_PROCESSES child processes, default 2) sign in, pull their crew's orders and keep
 *     syncing both ways, each recording a note every BENCH_LOAD_NOTE_SECONDS (default 5) once it has its
 *     orders; autocannon sends Open311 GET requests.json (rotating service_code, status and 30-day windows) at
 *     BENCH_LOAD_OPEN311_RATE/s (default 100) and sync gateway reads (_changes since=0 and _all_docs of random
 *     crews, each with that crew member's cookie) at BENCH_LOAD_GATEWAY_RATE/s (default 50); the same sampler
 *     as phase 1 runs.
 *  Then the tablets stop writing and the script waits (at most 2 minutes) until every action they wrote is
 *  applied on the master order, and until every tablet holds exactly its crew's orders at the master's
 *  revisions.
 * Goals: p95 < 1000 ms for each other API under load; no failed requests; every action applied; no
 * replication errors; every tablet converged. Figures are printed and recorded (BenchRecord 'load'). Exit
 * code 0 on a MISS (this is a report); 1 when set-up fails. Everything under bench/out/load is deleted at the
 * end (the figures stay in bench/out/figures/load.json).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
	CATALOG_DOC_ID,
	actionDocId,
	conflictDocId,
	crewDbName,
	crewDocId,
	crewSchema,
	formatCityIso,
	userDocId,
	userSchema,
	workOrderSchema,
	type Crew,
	type ReportResponse,
	type SessionUser,
	type User,
	type WorkOrder
} from '../../src/lib/domain';
import { cityDay } from '../../src/lib/server/analytics/range';
import { hashPassword } from '../../src/lib/server/auth/password';
import { DOWNTOWN_BBOX } from '../../src/lib/server/seed/orders';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { ACTIONS_DB, CONFLICTS_DB, DIRECTORY_DB, ORDERS_DB } from '../../src/lib/server/store/schema';
import { ROOT, Session, startApp, type RunningApp } from '../../tests/helpers/app-server';
import { DEMO_PASSWORD } from '../../tests/helpers/demo';
import { eventually, storeOf } from '../../tests/helpers/store';
import { DAY_MS, followersSettled, lcg, machine, ms, percentile, requireBuild, retrying, TIME_ZONE } from './dataset';
import type { CannonResult, CannonRun, FromCannon, ToCannon } from './load-cannon';
import type { FromTablets, TabletFigures, TabletSpec, ToTablets } from './load-tablets';
import { BenchRecord } from './record';

const env = (name: string, fallback: number) => {
	const v = Number(process.env[name] ?? fallback);
	if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
	return v;
};
const SECONDS = env('BENCH_LOAD_SECONDS', 30);
const ALONE_SECONDS = env('BENCH_LOAD_ALONE_SECONDS', 10);
const SAMPLES = env('BENCH_LOAD_SAMPLES', 30);
const CREWS = env('BENCH_LOAD_CREWS', 100);
const ORDERS_PER_CREW = 20;
const NOTE_EVERY_MS = env('BENCH_LOAD_NOTE_SECONDS', 5) * 1000;
const OPEN311_RATE = env('BENCH_LOAD_OPEN311_RATE', 100);
const GATEWAY_RATE = env('BENCH_LOAD_GATEWAY_RATE', 50);
const TABLET_PROCESSES = env('BENCH_LOAD_TABLET_PROCESSES', 2);
const CANNON_CONNECTIONS = 20;
const GOAL_P95_MS = 1000; // issue 09: the other APIs keep p95 under 1 s
const REQUEST_DAYS = 150; // the new requests were made over this many days (every 90-day report window of the run holds as many)
const REPORT_DAYS = 90;
const WINDOW_DAYS = 30; // Open311 query windows
const TOP_CODES = 8; // Open311 queries rotate over the load orders' busiest service codes
const BULK_BATCH = 500; // orders per _bulk_docs and per bulk dispatch (the API's limit)
const LOGIN_PARALLEL = 4; // password checks are scrypt: a few at a time
const SETUP_TIMEOUT_MS = 180_000;
const CREW_DB_WAIT_MS = 45_000; // the runner looks at the crew list every 30 s
const DRAIN_MAX_MS = 120_000; // waiting for every written action to be applied
const CONVERGE_MAX_MS = 60_000; // waiting for the tablets to hold the master's revisions
const DRAIN_POLL_MS = 500;
const QUICK_MS = 50; // /healthz this fast three times in a row: nothing queued
const CHILD_MESSAGE_TIMEOUT_MS = 60_000;

const OUT = path.join(ROOT, 'bench', 'out', 'load');
const DATA_DIR = path.join(OUT, 'data');
const ID = (i: number) => String(i + 1).padStart(3, '0');
const crewId = (i: number) => `load-crew-${ID(i)}`;
const memberId = (i: number) => `load-member-${ID(i)}`;
const orderId = (n: number) => `load-${String(n + 1).padStart(4, '0')}`;
const TOTAL_ORDERS = CREWS * ORDERS_PER_CREW;

const record = new BenchRecord('load');

// ---------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process (MiB, from /proc/<pid>/status): now, and its peak so far. */
async function memoryOf(pid: number | undefined): Promise<{ rss: number; peak: number } | null> {
	if (pid === undefined) return null;
	try {
		const status = await readFile(`/proc/${pid}/status`, 'utf8');
		const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
		return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
	} catch {
		return null; // not Linux, or the process is gone: no figure
	}
}

/** A city day (YYYY-MM-DD) moved by `days`. */
function shiftDay(day: string, days: number): string {
	const [y, m, d] = day.split('-').map(Number) as [number, number, number];
	return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

async function inBatches<T>(items: readonly T[], size: number, each: (batch: T[]) => Promise<void>) {
	for (let i = 0; i < items.length; i += size) await each(items.slice(i, i + size));
}

async function pool<T, R>(items: readonly T[], parallel: number, each: (item: T, i: number) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: parallel }, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await each(items[i]!, i);
			}
		})
	);
	return out;
}

/** Waits until the app answers /healthz quickly again (requests a run left queued are done). */
async function drained(url: string, maxMs = 60_000) {
	const t0 = performance.now();
	let quick = 0;
	while (quick < 3 && performance.now() - t0 < maxMs) {
		const t = performance.now();
		await (await fetch(`${url}/healthz`)).arrayBuffer();
		quick = performance.now() - t < QUICK_MS ? quick + 1 : 0;
		await sleep(200);
	}
}

// ---------------------------------------------------------------------------------------------------------
// Child processes (tablets, autocannon)
// ---------------------------------------------------------------------------------------------------------

class Child<In, Out extends { type: string }> {
	readonly proc: ChildProcess;
	readonly #waiters: { type: string; resolve(m: Out): void; reject(e: Error): void }[] = [];
	#exited = false;

	constructor(
		readonly name: string,
		file: string,
		onMessage: (m: Out) => void = () => undefined
	) {
		this.proc = fork(file, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		this.proc.on('message', (raw) => {
			const m = raw as Out;
			if (m.type === 'failed') {
				const error = new Error(`${name} failed: ${(m as unknown as { error: string }).error}`);
				for (const w of this.#waiters.splice(0)) w.reject(error);
				return;
			}
			onMessage(m);
			const i = this.#waiters.findIndex((w) => w.type === m.type);
			if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
		});
		this.proc.on('exit', (code) => {
			this.#exited = true;
			for (const w of this.#waiters.splice(0)) w.reject(new Error(`${name} exited (${code}) while we waited for "${w.type}"`));
		});
	}

	/** The next message of this type (register before sending what it answers). */
	next<T extends Out['type']>(type: T, timeoutMs = CHILD_MESSAGE_TIMEOUT_MS): Promise<Extract<Out, { type: T }>> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
			this.#waiters.push({
				type,
				resolve: (m) => (clearTimeout(timer), resolve(m as Extract<Out, { type: T }>)),
				reject: (e) => (clearTimeout(timer), reject(e))
			});
		});
	}

	async ask<T extends Out['type']>(msg: In, type: T, timeoutMs?: number): Promise<Extract<Out, { type: T }>> {
		const answer = this.next(type, timeoutMs);
		this.proc.send(msg as object);
		return answer;
	}

	send(msg: In) {
		this.proc.send(msg as object);
	}

	async kill() {
		if (this.#exited || this.proc.exitCode !== null) return;
		const gone = new Promise((r) => this.proc.once('exit', r));
		this.proc.kill('SIGTERM');
		await Promise.race([gone, sleep(5000)]);
		if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
	}
}

// ---------------------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------------------

interface Setup {
	app: RunningApp;
	store: CouchClient;
	supervisor: Session;
	manager: Session;
	member: Session;
	tablets: TabletSpec[];
	open311Paths: string[];
	gatewayRequests: { path: string; headers: Record<string, string> }[];
	/** How the new crews' databases came to be: seconds after the crews were added, and whether a restart was needed. */
	crewDbs: { seconds: number; restarted: boolean };
}

function buildCrews(random: () => number): Crew[] {
	return Array.from({ length: CREWS }, (_, i) =>
		crewSchema.parse({
			_id: crewDocId(crewId(i)),
			type: 'crew',
			id: crewId(i),
			name: `Load Crew ${ID(i)}`,
			department: 'dpw',
			members: [memberId(i)],
			depot: {
				name: `Load depot ${ID(i)}`,
				lat: DOWNTOWN_BBOX.south + random() * (DOWNTOWN_BBOX.north - DOWNTOWN_BBOX.south),
				long: DOWNTOWN_BBOX.west + random() * (DOWNTOWN_BBOX.east - DOWNTOWN_BBOX.west)
			},
			service_codes: ['street_and_sidewalk_cleaning'],
			last_position: null
		})
	);
}

async function buildMembers(password: string): Promise<User[]> {
	const createdAt = new Date().toISOString();
	return pool(
		Array.from({ length: CREWS }, (_, i) => i),
		LOGIN_PARALLEL,
		async (i) =>
			userSchema.parse({
				_id: userDocId(memberId(i)),
				type: 'user',
				id: memberId(i),
				name: `Load Member ${ID(i)}`,
				role: 'crew',
				crew: crewId(i),
				password_hash: await hashPassword(password),
				active: true,
				created_at: createdAt
			})
	);
}

/** Crew databases that exist with a catalog naming every load crew. */
async function crewDbsReady(store: CouchClient): Promise<number> {
	const ready = await pool(
		Array.from({ length: CREWS }, (_, i) => i),
		8,
		async (i) => {
			const catalog = await store.db(crewDbName(crewId(i))).getOrNull<{ crews: { id: string }[] }>(CATALOG_DOC_ID);
			return catalog?.crews.some((c) => c.id === crewId(CREWS - 1)) ?? false;
		}
	).catch(() => []);
	return ready.filter(Boolean).length;
}

/** New requests made from the demo sample's dpw cases: open, unassigned, requested over the last REQUEST_DAYS. */
async function buildOrders(store: CouchClient, random: () => number): Promise<WorkOrder[]> {
	const templates = (await retrying(() => store.db(ORDERS_DB).find<WorkOrder>({ selector: { type: 'work_order', department: 'dpw' }, limit: 10_000 }))).docs;
	if (templates.length === 0) throw new Error('the demo seed has no dpw orders to copy');
	const now = Date.now();
	return Array.from({ length: TOTAL_ORDERS }, (_, n) => {
		const { _rev: _ignored, ...t } = templates[n % templates.length]!;
		void _ignored;
		const id = orderId(n);
		const requested = formatCityIso(now - random() * REQUEST_DAYS * DAY_MS, TIME_ZONE);
		return workOrderSchema.parse({
			...t,
			_id: `order:${id}`,
			service_request_id: id,
			requested_datetime: requested,
			updated_datetime: requested,
			expected_datetime: null,
			closed_datetime: null,
			status: 'new',
			status_notes: null,
			priority: 'normal',
			crew: null,
			assignments: [],
			duplicate_of: null,
			resolution: null,
			reporter: null,
			public_notes: [],
			history: [{ action_id: `import:${id}`, action: 'import', at: requested, by: 'bench:load', crew: null, outcome: 'applied', summary: 'Imported by bench:load', visibility: 'internal' }],
			photos: [],
			applied_action_ids: [],
			intake_token: null,
			flags: []
		});
	});
}

async function setUp(): Promise<Setup> {
	await rm(OUT, { recursive: true, force: true });
	await mkdir(OUT, { recursive: true });
	const random = lcg(909);
	const t0 = performance.now();
	const step = (what: string) => console.log(`  ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${what}`);
	const appEnv = { SEED: 'demo' };
	let app = await startApp({ dataDir: DATA_DIR, env: appEnv, timeoutMs: SETUP_TIMEOUT_MS });
	try {
		let store = await storeOf(DATA_DIR);
		step('app started on a fresh data directory with the demo seed');

		// 1. Crews and their members, into the directory through the store client.
		const password = randomBytes(12).toString('base64url');
		const crews = buildCrews(random);
		const members = await buildMembers(password);
		const res = await store.db(DIRECTORY_DB).bulkDocs([...crews, ...members]);
		const refused = res.filter((r) => r.error);
		if (refused.length) throw new Error(`the directory refused ${refused.length} documents: ${JSON.stringify(refused[0])}`);
		step(`${CREWS} crews and ${CREWS} crew members written into the directory`);

		// 2. Their databases with the catalog: the running app makes them (the runner looks at the crew list every
		// 30 s); a restart, where the projector makes them at start, only if it does not.
		const tCrews = performance.now();
		let crewDbs: Setup['crewDbs'];
		try {
			await eventually(async () => ((await crewDbsReady(store)) === CREWS ? true : undefined), CREW_DB_WAIT_MS, 500);
			crewDbs = { seconds: (performance.now() - tCrews) / 1000, restarted: false };
			step(`all ${CREWS} crew databases made with the catalog by the running app, ${crewDbs.seconds.toFixed(1)} s after the crews were added`);
		} catch {
			crewDbs = { seconds: (performance.now() - tCrews) / 1000, restarted: true };
			step(`${await crewDbsReady(store)} of ${CREWS} crew databases had the catalog ${crewDbs.seconds.toFixed(0)} s after the crews were added: restarting the app`);
			await app.stop();
			app = await startApp({ dataDir: DATA_DIR, env: appEnv, timeoutMs: SETUP_TIMEOUT_MS });
			store = await storeOf(DATA_DIR);
			await eventually(async () => ((await crewDbsReady(store)) === CREWS ? true : undefined), SETUP_TIMEOUT_MS, 500);
			step(`all ${CREWS} crew databases exist with the catalog after the restart`);
		}

		// 3. 2,000 new requests, imported, then assigned by the supervisor through the dispatch API.
		const orders = await buildOrders(store, random);
		await inBatches(orders, BULK_BATCH, async (batch) => {
			const r = await store.db(ORDERS_DB).bulkDocs(batch);
			const failed = r.filter((x) => x.error);
			if (failed.length) throw new Error(`bulkDocs refused ${failed.length} orders: ${JSON.stringify(failed[0])}`);
		});
		step(`${orders.length} new requests written into the orders database`);
		const supervisor = new Session(app.url);
		const manager = new Session(app.url);
		for (const [s, who] of [
			[supervisor, 'supervisor'],
			[manager, 'manager']
		] as const) {
			const login = await s.login(who, DEMO_PASSWORD);
			if (login.status !== 200) throw new Error(`${who} login failed: ${login.status}`);
		}
		const operations = orders.map((o, n) => ({ order: o.service_request_id, action: 'assign', payload: { crew: crewId(Math.floor(n / ORDERS_PER_CREW)) } }));
		await inBatches(operations, BULK_BATCH, async (batch) => {
			const r = await supervisor.request('POST', '/api/dispatch/bulk', { operations: batch });
			const body = (await r.json()) as { applied: number; failed: number; results: unknown[] };
			if (r.status !== 200 || body.applied !== batch.length) throw new Error(`bulk dispatch: ${r.status}, ${body.applied} of ${batch.length} applied: ${JSON.stringify(body).slice(0, 300)}`);
		});
		step(`the supervisor assigned ${ORDERS_PER_CREW} to each crew (POST /api/dispatch/bulk)`);
		await eventually(
			async () => {
				const counts = await pool(
					Array.from({ length: CREWS }, (_, i) => i),
					8,
					async (i) => (await store.db(crewDbName(crewId(i))).info()).doc_count
				);
				return counts.every((c) => c >= ORDERS_PER_CREW + 1) ? true : undefined;
			},
			SETUP_TIMEOUT_MS,
			500
		);
		step(`the projector put ${ORDERS_PER_CREW} orders into every crew database`);

		// 4. Every crew member signs in (their tablet's session).
		const logins = await pool(
			Array.from({ length: CREWS }, (_, i) => i),
			LOGIN_PARALLEL,
			async (i) => {
				const s = new Session(app.url);
				const r = await s.login(memberId(i), password);
				if (r.status !== 200) throw new Error(`${memberId(i)} login failed: ${r.status} ${await r.text()}`);
				const body = (await r.json()) as { user: SessionUser; sync_path: string };
				return { session: s, spec: { user: body.user, cookie: s.cookie, syncPath: body.sync_path } satisfies TabletSpec };
			}
		);
		step(`${CREWS} crew members signed in`);

		// 5. Read models loaded, followers idle, each measured request answering.
		await eventually(
			async () => {
				const r = await manager.request('GET', '/api/reports/summary');
				await r.arrayBuffer();
				return r.status === 200 ? true : undefined;
			},
			SETUP_TIMEOUT_MS,
			250
		);
		await eventually(
			async () => ((await (await fetch(`${app.url}/healthz`)).json()) as { open311_index?: { ready: boolean } }).open311_index?.ready || undefined,
			SETUP_TIMEOUT_MS,
			250
		);
		await followersSettled(store);
		step('report and Open311 indexes loaded, the app\'s followers idle');

		// Open311 queries: the load orders' busiest service codes, open or any status, 30-day windows of the last 90 days.
		const byCode = new Map<string, number>();
		for (const o of orders) byCode.set(o.service_code, (byCode.get(o.service_code) ?? 0) + 1);
		const codes = [...byCode].sort((a, b) => b[1] - a[1]).slice(0, TOP_CODES).map(([c]) => c);
		const now = Date.now();
		const iso = (t: number) => encodeURIComponent(formatCityIso(t, TIME_ZONE));
		const open311Paths = codes.flatMap((code, c) =>
			[0, 30, 60].map((back, w) => {
				const status = (c + w) % 2 === 0 ? '&status=open' : '';
				return `/open311/v2/requests.json?service_code=${code}${status}&start_date=${iso(now - (back + WINDOW_DAYS) * DAY_MS)}&end_date=${iso(now - back * DAY_MS)}`;
			})
		);
		// Gateway reads: random crews' first changes batch and their documents, each with that crew member's cookie.
		const gatewayRequests = Array.from({ length: 400 }, (_, k) => {
			const i = Math.floor(random() * CREWS);
			const db = `/sync/${crewDbName(crewId(i))}`;
			const p = k % 2 === 0 ? `${db}/_changes?style=all_docs&since=0&limit=20` : `${db}/_all_docs?include_docs=true&limit=20`;
			return { path: p, headers: { cookie: logins[i]!.session.cookie } };
		});
		for (const r of [{ path: open311Paths[0]!, headers: {} }, gatewayRequests[0]!, gatewayRequests[1]!]) {
			const res = await fetch(app.url + r.path, { headers: r.headers });
			await res.arrayBuffer();
			if (res.status !== 200) throw new Error(`warm-up GET ${r.path} answered ${res.status}`);
		}
		return {
			app,
			store,
			supervisor,
			manager,
			member: logins[0]!.session,
			tablets: logins.map((l) => l.spec),
			open311Paths,
			gatewayRequests,
			crewDbs
		};
	} catch (e) {
		console.error(`the app's output:\n${app.logs().slice(-4000)}`);
		await app.stop();
		throw e;
	}
}

// ---------------------------------------------------------------------------------------------------------
// The other APIs, one request at a time
// ---------------------------------------------------------------------------------------------------------

interface Probe {
	name: string;
	/** Sends request k (k grows over the whole run: no two requests alike); returns an error text or null. */
	call(k: number): Promise<string | null>;
}

interface Sampled {
	name: string;
	times: number[];
	errors: string[];
}

function probes(s: Setup): Probe[] {
	const today = cityDay(new Date(), TIME_ZONE);
	const expect200 = async (res: Response) => (res.status === 200 ? (await res.arrayBuffer(), null) : `${res.status} ${(await res.text()).slice(0, 200)}`);
	return [
		{ name: 'GET /api/board (supervisor)', call: async () => expect200(await s.supervisor.request('GET', '/api/board')) },
		{
			name: `GET /api/reports/summary, ${REPORT_DAYS} days (manager)`,
			call: async (k) => {
				// A window ending one day earlier each time (never the service's 60-second cache); each holds 90 of the
				// REQUEST_DAYS days over which the load orders were requested.
				const end = shiftDay(today, -k);
				const sent = Date.now();
				const res = await s.manager.request('GET', `/api/reports/summary?start_date=${shiftDay(end, -(REPORT_DAYS - 1))}&end_date=${end}`);
				if (res.status !== 200) return `${res.status} ${(await res.text()).slice(0, 200)}`;
				const body = (await res.json()) as ReportResponse;
				return Date.parse(body.generated_at) < sent - 1000 ? `answered from the cache (generated ${body.generated_at})` : null;
			}
		},
		{
			name: 'POST /api/orders/<id>/actions set_priority (supervisor)',
			call: async (k) => {
				const id = orderId((k * 41) % TOTAL_ORDERS);
				return expect200(await s.supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'set_priority', payload: { priority: k % 2 ? 'high' : 'normal' } }));
			}
		},
		{ name: 'GET /api/auth/me (crew member)', call: async () => expect200(await s.member.request('GET', '/api/auth/me')) },
		{ name: 'GET /healthz', call: async () => expect200(await fetch(`${s.app.url}/healthz`)) }
	];
}

/** Requests sent so far per probe, over both phases: request k of a probe is never the same as an earlier one. */
const probeCounts: number[] = [];

/**
 * Each probe in a loop of its own, one request at a time: SAMPLES requests spread evenly over `seconds`
 * (fewer when answers come late: a request is never sent after the phase's end, and never two at once).
 */
async function sample(list: Probe[], seconds: number): Promise<{ sampled: Sampled[]; loopDelayP99: number }> {
	const loop = monitorEventLoopDelay({ resolution: 10 });
	loop.enable();
	const t0 = performance.now();
	const end = t0 + seconds * 1000;
	const interval = (seconds * 1000) / SAMPLES;
	const sampled = await Promise.all(
		list.map(async (p, i) => {
			const out: Sampled = { name: p.name, times: [], errors: [] };
			for (let n = 0; n < SAMPLES; n++) {
				// Staggered starts: the probes do not all fire in the same millisecond.
				const due = t0 + n * interval + (i * interval) / list.length;
				if (due > performance.now()) await sleep(due - performance.now());
				if (performance.now() >= end) break;
				const k = (probeCounts[i] = (probeCounts[i] ?? -1) + 1);
				const t = performance.now();
				let error: string | null;
				try {
					error = await p.call(k);
				} catch (e) {
					error = String(e);
				}
				out.times.push(performance.now() - t);
				if (error) out.errors.push(error);
			}
			return out;
		})
	);
	loop.disable();
	return { sampled, loopDelayP99: loop.percentile(99) / 1e6 };
}

// ---------------------------------------------------------------------------------------------------------
// Checks on the master
// ---------------------------------------------------------------------------------------------------------

async function loadOrders(store: CouchClient): Promise<WorkOrder[]> {
	const keys = Array.from({ length: TOTAL_ORDERS }, (_, n) => `order:${orderId(n)}`);
	const out: WorkOrder[] = [];
	await inBatches(keys, BULK_BATCH, async (batch) => {
		const res = await store.db(ORDERS_DB).allDocs<WorkOrder>({ keys: batch, include_docs: true });
		for (const r of res.rows) if (r.doc) out.push(r.doc);
	});
	return out;
}

async function appliedOnMaster(store: CouchClient, ids: readonly string[]): Promise<number> {
	const applied = new Set((await loadOrders(store)).flatMap((o) => o.applied_action_ids));
	return ids.filter((id) => applied.has(id)).length;
}

async function presentIn(store: CouchClient, db: string, docIds: readonly string[]): Promise<number> {
	let n = 0;
	await inBatches(docIds, BULK_BATCH, async (batch) => {
		const res = await store.db(db).allDocs({ keys: batch });
		n += res.rows.filter((r) => r.value && !r.value.deleted).length;
	});
	return n;
}

// ---------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------

const row = (name: string, cells: string[]) => `  ${name.padEnd(58)} ${cells.map((c) => c.padStart(9)).join(' ')}`;
const errorsOf = (r: CannonResult) => r.errors + r.timeouts + r.non2xx;
const statusText = (r: CannonResult) =>
	Object.entries(r.statuses)
		.map(([s, n]) => `${s}:${n}`)
		.join(' ');

function printCannon(title: string, results: CannonResult[]) {
	console.log(title);
	console.log(row('', ['target/s', 'done/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'failed']) + '  statuses');
	for (const r of results) {
		console.log(
			row(r.name, [
				String(r.target_rate),
				(r.latencies.length / r.seconds).toFixed(0),
				ms(percentile(r.latencies, 50)),
				ms(percentile(r.latencies, 95)),
				ms(percentile(r.latencies, 99)),
				ms(Math.max(...r.latencies)),
				String(errorsOf(r))
			]) + `  ${statusText(r)}`
		);
	}
}

async function main() {
	requireBuild('bench:load');
	console.log(`bench:load on ${machine()}`);
	console.log(
		`${CREWS} crews × ${ORDERS_PER_CREW} orders; phases of ${SECONDS} s (autocannon alone ${ALONE_SECONDS} s); up to ${SAMPLES} requests of each other API per phase; ` +
			`a note every ${NOTE_EVERY_MS / 1000} s per tablet; Open311 ${OPEN311_RATE}/s, gateway ${GATEWAY_RATE}/s`
	);
	console.log('set-up:');
	let setup: Setup;
	try {
		setup = await setUp();
	} catch (e) {
		console.error('bench:load set-up failed:', e);
		await rm(OUT, { recursive: true, force: true });
		process.exit(1);
	}
	const { app, store } = setup;
	const pid = app.proc.pid;
	const children: { kill(): Promise<void> }[] = [];
	try {
		// Children first (loading PouchDB and tsx takes a while): none of that belongs to a measured phase.
		const initialSeen: number[] = [];
		const groups = Array.from({ length: TABLET_PROCESSES }, (_, g) => setup.tablets.filter((_, i) => i % TABLET_PROCESSES === g));
		const tabletProcs = groups.map(
			(_, g) =>
				new Child<ToTablets, FromTablets>(`tablets #${g + 1}`, path.join(import.meta.dirname, 'load-tablets.ts'), (m) => {
					if (m.type === 'initial-done') initialSeen.push(m.ms);
				})
		);
		const cannon = new Child<ToCannon, FromCannon>('autocannon', path.join(import.meta.dirname, 'load-cannon.ts'));
		children.push(...tabletProcs, cannon);
		await Promise.all([...tabletProcs.map((c) => c.next('ready')), cannon.next('ready')]);

		const list = probes(setup);
		const memStart = await memoryOf(pid);
		const cannonRuns: CannonRun[] = [
			{ name: 'Open311 GET requests.json (code/status/30 days)', rate: OPEN311_RATE, connections: CANNON_CONNECTIONS, requests: setup.open311Paths.map((p) => ({ path: p })) },
			{ name: 'gateway GET _changes / _all_docs (crew cookies)', rate: GATEWAY_RATE, connections: CANNON_CONNECTIONS, requests: setup.gatewayRequests }
		];

		// Phase 1: idle.
		console.log(`\nphase 1: idle server, ${SECONDS} s`);
		const idle = await sample(list, SECONDS);

		// Phase 2: autocannon alone.
		console.log(`phase 2: autocannon alone, ${ALONE_SECONDS} s`);
		const alone = (await cannon.ask({ type: 'run', origin: app.url, seconds: ALONE_SECONDS, runs: cannonRuns }, 'results', (ALONE_SECONDS + 60) * 1000)).results;
		await drained(app.url);

		// Phase 3: everything at once.
		console.log(`phase 3: load, ${SECONDS} s: ${CREWS} tablets syncing, autocannon, the other APIs`);
		const logMark = app.logs().length;
		const tLoad = performance.now();
		for (const [g, c] of tabletProcs.entries()) {
			c.send({ type: 'start', origin: app.url, tablets: groups[g]!, ordersPerCrew: ORDERS_PER_CREW, noteEveryMs: NOTE_EVERY_MS });
		}
		const underLoadCannon = cannon.ask({ type: 'run', origin: app.url, seconds: SECONDS, runs: cannonRuns }, 'results', (SECONDS + 120) * 1000);
		const loaded = await sample(list, SECONDS);
		const loadCannon = (await underLoadCannon).results;
		const loadSeconds = (performance.now() - tLoad) / 1000;
		const memLoad = await memoryOf(pid);

		// The tablets stop writing; every action they wrote must reach the master.
		const stoppedWriting = await Promise.all(tabletProcs.map((c) => c.ask({ type: 'stop-writing' }, 'stopped-writing')));
		const written = stoppedWriting.flatMap((m) => m.figures.written);
		const writtenIds = written.map((w) => w.id);
		const tDrain = performance.now();
		const appliedAtEnd = await appliedOnMaster(store, writtenIds);
		let applied = appliedAtEnd;
		while (performance.now() - tDrain < DRAIN_MAX_MS) {
			applied = await appliedOnMaster(store, writtenIds);
			if (applied === written.length) break;
			await sleep(DRAIN_POLL_MS);
		}
		const drainS = (performance.now() - tDrain) / 1000;
		const inLog = await presentIn(store, ACTIONS_DB, writtenIds.map(actionDocId));
		const inCrewDbs = (
			await Promise.all(
				Array.from({ length: CREWS }, (_, i) => i).map(async (i) => {
					const mine = written.filter((w) => w.crew === crewId(i)).map((w) => actionDocId(w.id));
					return mine.length ? presentIn(store, crewDbName(crewId(i)), mine) : 0;
				})
			)
		).reduce((a, b) => a + b, 0);
		const conflicts = await presentIn(store, CONFLICTS_DB, writtenIds.map(conflictDocId));

		// Every tablet must end up with exactly its crew's orders at the master's revisions.
		const revs: Record<string, Record<string, string>> = {};
		for (const o of await loadOrders(store)) if (o.crew) (revs[o.crew] ??= {})[o._id] = o._rev!;
		const converged = await Promise.all(tabletProcs.map((c) => c.ask({ type: 'converge', revs, timeoutMs: CONVERGE_MAX_MS }, 'converged', CONVERGE_MAX_MS + 30_000)));
		const convergedN = converged.reduce((a, c) => a + c.converged, 0);
		const stale = converged.flatMap((c) => c.stale);
		const convergeS = Math.max(...converged.map((c) => c.ms)) / 1000;
		const finals = await Promise.all(tabletProcs.map((c) => c.ask({ type: 'stop' }, 'stopped')));
		const tf: TabletFigures = {
			tablets: finals.reduce((a, f) => a + f.figures.tablets, 0),
			initial_ms: finals.flatMap((f) => f.figures.initial_ms),
			initial_pending: finals.reduce((a, f) => a + f.figures.initial_pending, 0),
			written,
			applied_seen_ms: finals.flatMap((f) => f.figures.applied_seen_ms),
			write_failures: finals.reduce((a, f) => a + f.figures.write_failures, 0),
			sync_errors: finals.reduce((a, f) => a + f.figures.sync_errors, 0),
			sync_error_samples: finals.flatMap((f) => f.figures.sync_error_samples),
			failed_tablets: finals.reduce((a, f) => a + f.figures.failed_tablets, 0)
		};
		const memEnd = await memoryOf(pid);

		// What the app logged while under load and draining.
		const logged = app
			.logs()
			.slice(logMark)
			.split('\n')
			.filter((l) => /error|fail|refused|\b5\d\d\b|warn/i.test(l));
		const loggedKinds = [...new Set(logged.map((l) => l.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').slice(0, 200)))];

		// ---- print ----
		console.log('');
		console.log(`the other APIs, each one request at a time (up to ${SAMPLES} paced over ${SECONDS} s per phase; n idle/load):`);
		console.log(row('', ['n', 'idle p50', 'idle p95', 'load p50', 'load p95', 'p95 ratio', 'load max', 'errors']) + '  goal');
		let missed = 0;
		for (const [i, p] of list.entries()) {
			const a = idle.sampled[i]!;
			const b = loaded.sampled[i]!;
			const p95 = percentile(b.times, 95);
			const met = p95 < GOAL_P95_MS && b.times.length > 0;
			missed += Number(!met) + Number(b.errors.length > 0);
			console.log(
				row(p.name, [
					`${a.times.length}/${b.times.length}`,
					ms(percentile(a.times, 50)),
					ms(percentile(a.times, 95)),
					ms(percentile(b.times, 50)),
					ms(p95),
					`${(p95 / percentile(a.times, 95)).toFixed(1)}x`,
					ms(Math.max(...b.times)),
					`${a.errors.length}/${b.errors.length}`
				]) + `  p95 < ${GOAL_P95_MS} ms ${met ? 'MET' : 'MISS'}`
			);
			for (const e of [...new Set([...a.errors, ...b.errors])].slice(0, 3)) console.log(`      error: ${e}`);
			record.add({ name: `${p.name} under load, p95`, value: p95, unit: 'ms', baseline: { name: 'idle server', value: percentile(a.times, 95) }, goal: `p95 < ${GOAL_P95_MS} ms`, met });
			record.add({ name: `${p.name} under load, p50`, value: percentile(b.times, 50), unit: 'ms', baseline: { name: 'idle server', value: percentile(a.times, 50) } });
			record.add({ name: `${p.name} under load, failed requests`, value: b.errors.length, unit: 'errors', goal: '0', met: b.errors.length === 0 });
		}
		console.log(`  (the sampler's own event loop: p99 delay ${ms(idle.loopDelayP99)} ms idle, ${ms(loaded.loopDelayP99)} ms under load)`);

		console.log('');
		printCannon(`autocannon alone (${ALONE_SECONDS} s, phase 2):`, alone);
		printCannon(`autocannon under load (${SECONDS} s, phase 3):`, loadCannon);
		for (const [i, r] of loadCannon.entries()) {
			const base = alone[i]!;
			const done = r.latencies.length / r.seconds;
			const okRate = done >= 0.95 * r.target_rate;
			const okErr = errorsOf(r) === 0 && r.latencies.length > 0;
			missed += Number(!okRate) + Number(!okErr);
			record.add({ name: `${r.name} under load, p95`, value: percentile(r.latencies, 95), unit: 'ms', baseline: { name: `alone at ${base.target_rate}/s`, value: percentile(base.latencies, 95) } });
			record.add({ name: `${r.name} under load, p99`, value: percentile(r.latencies, 99), unit: 'ms', baseline: { name: `alone at ${base.target_rate}/s`, value: percentile(base.latencies, 99) } });
			record.add({ name: `${r.name} under load, rate achieved`, value: done, unit: '/s', baseline: { name: 'alone', value: base.latencies.length / base.seconds }, goal: `>= 95% of ${r.target_rate}/s`, met: okRate });
			record.add({ name: `${r.name} under load, errors + timeouts + non-2xx`, value: errorsOf(r), unit: 'errors', baseline: { name: 'alone', value: errorsOf(base) }, goal: '0', met: okErr });
		}

		const lost = written.length - applied;
		const initial = [...tf.initial_ms];
		console.log('');
		console.log(`tablets (${tf.tablets} in ${TABLET_PROCESSES} processes; the load phase lasted ${loadSeconds.toFixed(1)} s):`);
		console.log(
			`  initial sync (sign-in to all ${ORDERS_PER_CREW} orders and the catalog local): p50 ${ms(percentile(initial, 50))} ms, p95 ${ms(percentile(initial, 95))} ms, max ${ms(Math.max(...initial))} ms` +
				(tf.initial_pending ? `; ${tf.initial_pending} tablets never finished` : '')
		);
		console.log(
			`  actions written ${written.length}; applied on the master when the load ended ${appliedAtEnd}, after the drain ${applied} ` +
				`(${drainS.toFixed(1)} s after the tablets stopped writing); in the crew databases ${inCrewDbs}; in the actions log ${inLog}; conflicts ${conflicts}; lost ${lost}`
		);
		console.log(
			`  action -> applied, as the tablet saw it (pushed, applied, projected, pulled): p50 ${ms(percentile(tf.applied_seen_ms, 50))} ms, p95 ${ms(percentile(tf.applied_seen_ms, 95))} ms over ${tf.applied_seen_ms.length}`
		);
		console.log(`  replication errors ${tf.sync_errors} (tablets stopped for good: ${tf.failed_tablets}); local write failures ${tf.write_failures}`);
		for (const e of tf.sync_error_samples.slice(0, 5)) console.log(`      ${e.crew}: ${e.kind}: ${e.message.slice(0, 200)}`);
		console.log(
			`  converged (exactly the crew's orders at the master's revisions): ${convergedN} of ${tf.tablets} tablets, ${convergeS.toFixed(1)} s after the drain` +
				(stale.length ? `; stale: ${stale.slice(0, 5).map((s) => `${s.crew} (${s.orders})`).join(', ')}` : '')
		);
		const mib = (m: { rss: number } | null) => (m ? `${m.rss.toFixed(0)} MiB` : '-');
		console.log(`app process RSS (app and embedded store): ${mib(memStart)} before the phases, ${mib(memLoad)} at the end of the load, ${mib(memEnd)} after the drain${memEnd ? ` (peak ${memEnd.peak.toFixed(0)} MiB)` : ''}`);
		console.log(`app log lines with error/fail/refused/5xx/warn during load and drain: ${logged.length}`);
		for (const l of loggedKinds.slice(0, 10)) console.log(`      ${l}`);
		console.log(
			`set-up: the new crews' databases with the catalog ${setup.crewDbs.restarted ? `were not there ${setup.crewDbs.seconds.toFixed(0)} s after the crews were added: the app was restarted` : `were made by the running app ${setup.crewDbs.seconds.toFixed(1)} s after the crews were added`}`
		);

		const okApplied = lost === 0 && written.length > 0;
		const okSync = tf.sync_errors === 0 && tf.failed_tablets === 0 && tf.write_failures === 0;
		const okConverged = convergedN === tf.tablets && tf.tablets === CREWS;
		const okInitial = tf.initial_pending === 0;
		missed += Number(!okApplied) + Number(!okSync) + Number(!okConverged) + Number(!okInitial);
		record.add({ name: `tablets' initial sync (${ORDERS_PER_CREW} orders + catalog), p95 of ${CREWS} at once`, value: percentile(initial, 95), unit: 'ms', goal: 'every tablet finishes', met: okInitial });
		record.add({ name: 'actions written by the tablets during the load', value: written.length, unit: 'actions' });
		record.add({ name: 'actions applied on the master when the load ended', value: appliedAtEnd, unit: 'actions', baseline: { name: 'written', value: written.length } });
		record.add({ name: 'actions not applied on the master (after the drain)', value: lost, unit: 'actions', goal: '0', met: okApplied });
		record.add({ name: 'drain: tablets stop writing -> every action applied', value: drainS, unit: 's' });
		record.add({ name: 'action -> applied as the tablet saw it, p95', value: percentile(tf.applied_seen_ms, 95), unit: 'ms' });
		record.add({ name: 'replication errors + local write failures', value: tf.sync_errors + tf.write_failures, unit: 'errors', goal: '0', met: okSync });
		record.add({ name: 'tablets converged with the master after the drain', value: convergedN, unit: 'tablets', goal: `${CREWS}`, met: okConverged });
		if (memStart && memLoad && memEnd) {
			record.add({ name: 'app RSS at the end of the load', value: memLoad.rss, unit: 'MiB', baseline: { name: 'before the phases', value: memStart.rss } });
			record.add({ name: 'app RSS after the drain', value: memEnd.rss, unit: 'MiB', baseline: { name: 'before the phases', value: memStart.rss } });
		}
		record.add({ name: 'app log lines with error/fail/refused/5xx/warn during load and drain', value: logged.length, unit: 'lines' });
		record.add({
			name: `set-up: ${CREWS} crews added while the app runs -> their databases with the catalog`,
			value: setup.crewDbs.seconds,
			unit: 's',
			goal: 'made by the running app, no restart',
			met: !setup.crewDbs.restarted
		});
		console.log('');
		console.log(missed ? `${missed} goal(s) missed` : 'all goals met');
		const file = await record.save();
		console.log(`figures recorded in ${path.relative(ROOT, file)}`);
	} catch (e) {
		console.error(`the app's output (last 4,000 characters):\n${app.logs().slice(-4000)}`);
		throw e;
	} finally {
		await Promise.all(children.map((c) => c.kill()));
		await app.stop();
		await rm(OUT, { recursive: true, force: true });
	}
}

main().then(
	() => process.exit(0),
	(e: unknown) => {
		console.error('bench:load failed:', e);
		process.exit(1);
	}
);
