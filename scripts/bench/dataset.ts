/**
 * The 100,000-order data set the server-side benches share (bench:open311, bench:reports): the demo seed plus
 * orders generated from the real SF 311 sample (service types, places moved up to 40 m, how long cases stayed
 * open), requested over the 180 days before the data set's creation. It is built once into
 * bench/out/open311/data with a manifest (bench/out/open311/dataset.json) and reused while the manifest has
 * this DATASET_VERSION (delete the folder to start over). Only one app may use the folder at a time: run the
 * benches one after the other.
 *
 * Also the helpers both benches need: getting the app and its store ready to measure (indexes warm,
 * followers idle), the store's own URL and credentials, and percentiles.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatCityIso, workOrderSchema, type WorkOrder } from '../../src/lib/domain';
import { buildServiceTypes } from '../../src/lib/server/seed/service-types';
import { caseToWorkOrder } from '../../src/lib/server/seed/orders';
import { parseSf311Csv } from '../../src/lib/server/seed/sf311-csv';
import { StoreUnavailableError } from '../../src/lib/server/errors';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { ORDERS_DB } from '../../src/lib/server/store/schema';
import { ROOT, startApp, type RunningApp } from '../../tests/helpers/app-server';
import { eventually, storeOf, storeUrlOf } from '../../tests/helpers/store';

export const TIME_ZONE = 'America/Los_Angeles'; // the app's default CITY_TIME_ZONE
export const TOTAL_ORDERS = 100_000; // work orders in the store: the demo seed's plus generated ones
export const SPREAD_DAYS = 180; // generated requests are spread over the last six months
export const DAY_MS = 24 * 60 * 60 * 1000;
const JITTER_M = 40; // generated points move up to this far from the real case's point
const M_PER_DEG_LAT = 111_320;
const BULK_BATCH = 500; // documents per _bulk_docs (the import's batch)
const BULK_PARALLEL = 2;
const ID_PREFIX = 'bench-';
const FOLLOWERS = ['projector', 'duplicate-closer', 'notifier'] as const; // the app's followers of the orders feed
const FOLLOWERS_TIMEOUT_MS = 40 * 60_000; // a fresh data set only
export const STARTUP_TIMEOUT_MS = 15 * 60_000; // the first start on a new data set builds every index
export const DATASET_VERSION = 1; // bump when the generator changes: a cached store of another version is rebuilt

export const OUT = path.join(ROOT, 'bench', 'out', 'open311');
const DATA_DIR = path.join(OUT, 'data');
const MANIFEST = path.join(OUT, 'dataset.json');
const SEED_CSV = path.join(ROOT, 'seed', 'sf311', 'sf311_cases_sample_2008-2016.csv');

export interface Manifest {
	version: number;
	/** The data set's "now": generated requests are before it; queries are windows before it. */
	anchor: string;
	generated: number;
	total: number;
	/** Service codes by number of generated open requests, busiest first. */
	busiest_open_codes: string[];
	service_codes: string[];
}

/** A small seeded random number generator (0 <= x < 1): the same data set and queries every run. */
export function lcg(seed: number) {
	let s = seed >>> 0;
	return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Nearest-rank percentile (p in 0..100); NaN for no values. */
export const percentile = (xs: readonly number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

/** Milliseconds as the benches print them (one decimal; '-' when there is no figure). */
export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');

/** Runs `one` `count` times one after the other (no queueing) and returns each run's milliseconds. */
export async function sequentialTimes(count: number, one: (i: number) => Promise<void>): Promise<number[]> {
	const times: number[] = [];
	for (let i = 0; i < count; i++) {
		const t = performance.now();
		await one(i);
		times.push(performance.now() - t);
	}
	return times;
}

/** Exits with 1 when there is no build to start (the benches measure the built app). */
export function requireBuild(bench: string) {
	if (!existsSync(path.join(ROOT, 'build', 'index.js'))) {
		console.error(`${bench}: no build found (build/index.js): run \`npm run build\` first`);
		process.exit(1);
	}
}

/** "2 x <cpu model>, 8 GiB, node v20…": the first line of a bench's output. */
export const machine = () => `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;

/** The data set as the benches describe it: orders in the store, and where they came from. */
export const describeDataset = (total: number, manifest: Manifest, built: boolean) =>
	`${total.toLocaleString('en-US')} work orders (${manifest.generated.toLocaleString('en-US')} generated ${built ? 'now' : 'earlier, reused'} from the SF 311 sample, ` +
	`requested over the ${SPREAD_DAYS} days before ${manifest.anchor})`;

/** The app's store without the app in front: its base URL and a Basic authorization header. */
export async function directStore(app: RunningApp): Promise<{ base: string; authorization: string }> {
	const url = new URL(await storeUrlOf(app.dataDir));
	return {
		base: `${url.protocol}//${url.host}`,
		authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
	};
}

/** `count` orders sampled from the real cases, requested within SPREAD_DAYS before `anchor`. */
async function generateOrders(count: number, anchor: number): Promise<WorkOrder[]> {
	const { rows } = await parseSf311Csv(await readFile(SEED_CSV, 'utf8'));
	const types = new Map(buildServiceTypes(rows).map((t) => [t.service_code, t]));
	const cases = rows.filter((c) => c.lat !== null && c.long !== null);
	const templates = cases.map((c) => ({ c, order: caseToWorkOrder(c, { serviceTypes: types }) }));
	const random = lcg(311);
	const out: WorkOrder[] = [];
	for (let i = 0; i < count; i++) {
		// Let the event loop breathe: a socket the store closed meanwhile (keep-alive timeout) must be seen closed.
		if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
		const { c, order } = templates[Math.floor(random() * templates.length)]!;
		const id = `${ID_PREFIX}${String(i).padStart(6, '0')}`;
		const requestedMs = anchor - random() * SPREAD_DAYS * DAY_MS;
		// The real case's time to close: closed now only if that much time has passed since the new request.
		const tookMs = c.closed ? Date.parse(c.closed) - Date.parse(c.opened) : null;
		const closedMs = tookMs !== null && requestedMs + tookMs <= anchor ? requestedMs + tookMs : null;
		const requested = formatCityIso(requestedMs, TIME_ZONE);
		const closed = closedMs === null ? null : formatCityIso(closedMs, TIME_ZONE);
		const sla = types.get(order.service_code)?.sla_hours;
		const cosLat = Math.cos((order.lat * Math.PI) / 180);
		out.push(
			workOrderSchema.parse({
				...order,
				_id: `order:${id}`,
				service_request_id: id,
				lat: order.lat + ((random() - 0.5) * 2 * JITTER_M) / M_PER_DEG_LAT,
				long: order.long + ((random() - 0.5) * 2 * JITTER_M) / (M_PER_DEG_LAT * cosLat),
				requested_datetime: requested,
				updated_datetime: closed ?? requested,
				expected_datetime: sla === undefined ? null : formatCityIso(requestedMs + sla * 60 * 60 * 1000, TIME_ZONE),
				closed_datetime: closed,
				status: closed ? 'closed' : 'new',
				status_notes: closed ? order.status_notes : null,
				resolution: closed && order.resolution ? { ...order.resolution, at: closed } : null,
				public_notes: closed ? order.public_notes.map((n) => ({ ...n, at: closed })) : [],
				history: order.history.map((h) => ({ ...h, action_id: `import:${id}`, at: closed ?? requested }))
			})
		);
	}
	return out;
}

/**
 * Building an index keeps the store's process busy for a long while, and an idle keep-alive socket may be
 * closed under us meanwhile ("other side closed"). Set-up reads are idempotent: ask again.
 */
export async function retrying<T>(what: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await what();
		} catch (e) {
			if (!(e instanceof StoreUnavailableError) || attempt >= 10) throw e;
		}
	}
}

export async function countOrders(store: CouchClient): Promise<number> {
	const res = await retrying(() => store.db(ORDERS_DB).view<number>('stats', 'by_status', { reduce: true }));
	return res.rows.reduce((t, r) => t + Number(r.value), 0);
}

/**
 * Waits until the app's followers of the orders feed (projector, duplicate closer, notifier) have caught up,
 * so they do not compete with the measured requests. After a fresh data set this takes long (the duplicate
 * closer reads about 90 changes/s on a 2-core machine); a reused data set is idle at once.
 */
export async function followersSettled(store: CouchClient) {
	const db = store.db(ORDERS_DB);
	const target = Number(String((await db.info()).update_seq).split('-')[0]);
	const progress = setInterval(() => {
		void Promise.all(FOLLOWERS.map((n) => db.getOrNull<{ last_seq: string | number }>(`_local/${n}`))).then(
			(cps) => console.log(`  waiting for the app's followers to reach seq ${target}: ${cps.map((c) => String(c?.last_seq ?? 0).split('-')[0]).join(', ')}`),
			(e: unknown) => console.log(`  waiting for the app's followers (${String(e)})`)
		);
	}, 60_000);
	try {
		await followersCaughtUp(db, target);
	} finally {
		clearInterval(progress);
	}
}

async function followersCaughtUp(db: ReturnType<CouchClient['db']>, target: number) {
	await eventually(
		async () => {
			for (const name of FOLLOWERS) {
				const cp = await db.getOrNull<{ last_seq: string | number }>(`_local/${name}`);
				if (!cp || Number(String(cp.last_seq).split('-')[0]) < target) return undefined;
			}
			return true;
		},
		FOLLOWERS_TIMEOUT_MS,
		500
	);
}

export interface Dataset {
	app: RunningApp;
	store: CouchClient;
	manifest: Manifest;
	/** Generated by this run (false: reused). */
	built: boolean;
}

/** Starts the built app on the cached data set, building the data set first when there is none (or an old one). */
export async function loadOrBuildDataset(): Promise<Dataset> {
	await mkdir(OUT, { recursive: true });
	let manifest: Manifest | null = null;
	if (existsSync(MANIFEST)) {
		const m = JSON.parse(await readFile(MANIFEST, 'utf8')) as Manifest;
		if (m.version === DATASET_VERSION && existsSync(DATA_DIR)) manifest = m;
	}
	if (!manifest) await rm(DATA_DIR, { recursive: true, force: true });
	const app = await startApp({ dataDir: DATA_DIR, timeoutMs: STARTUP_TIMEOUT_MS });
	try {
		return await fill(app, manifest);
	} catch (e) {
		console.error(`the app's output:\n${app.logs().slice(-4000)}`);
		await app.stop();
		throw e;
	}
}

async function fill(app: RunningApp, cached: Manifest | null): Promise<Dataset> {
	let manifest = cached;
	const store = await storeOf(DATA_DIR);
	const last = manifest ? await store.db(ORDERS_DB).getOrNull(`order:${ID_PREFIX}${String(manifest.generated - 1).padStart(6, '0')}`) : null;
	if (manifest && last) return { app, store, manifest, built: false };

	// Build: the demo seed is in (first start); generated orders bring the store to TOTAL_ORDERS.
	await rm(MANIFEST, { force: true });
	const anchor = Date.now();
	const existing = await countOrders(store);
	const t0 = performance.now();
	const orders = await generateOrders(TOTAL_ORDERS - existing, anchor);
	const tGen = performance.now() - t0;
	const batches: WorkOrder[][] = [];
	for (let i = 0; i < orders.length; i += BULK_BATCH) batches.push(orders.slice(i, i + BULK_BATCH));
	let next = 0;
	await Promise.all(
		Array.from({ length: BULK_PARALLEL }, async () => {
			while (next < batches.length) {
				const batch = batches[next++]!;
				const res = await store.db(ORDERS_DB).bulkDocs(batch);
				const failed = res.filter((r) => r.error);
				if (failed.length) throw new Error(`bulkDocs refused ${failed.length} orders: ${JSON.stringify(failed[0])}`);
			}
		})
	);
	const tWrite = performance.now() - t0 - tGen;
	const openCount = new Map<string, number>();
	for (const o of orders) if (o.status !== 'closed') openCount.set(o.service_code, (openCount.get(o.service_code) ?? 0) + 1);
	manifest = {
		version: DATASET_VERSION,
		anchor: new Date(anchor).toISOString(),
		generated: orders.length,
		total: existing + orders.length,
		busiest_open_codes: [...openCount].sort((a, b) => b[1] - a[1]).map(([code]) => code),
		service_codes: [...new Set(orders.map((o) => o.service_code))].sort()
	};
	console.log(
		`data set: generated ${orders.length.toLocaleString('en-US')} orders in ${(tGen / 1000).toFixed(1)} s, wrote them in ${(tWrite / 1000).toFixed(1)} s ` +
			`(${orders.filter((o) => o.status !== 'closed').length.toLocaleString('en-US')} open)`
	);
	await writeFile(MANIFEST, JSON.stringify(manifest, null, '\t') + '\n');
	return { app, store, manifest, built: true };
}

/**
 * Brings every orders index and view up to date (the store updates an index when it is next queried; after a
 * fresh data set that takes minutes). Selectors that each index answers by key range, so a warm index is quick.
 */
export async function warmIndexes(store: CouchClient) {
	const db = store.db(ORDERS_DB);
	const never = { $gte: '2100' }; // a date after every order
	const queries: [string, Record<string, unknown>][] = [
		['by-crew-status', { crew: '-', status: 'new' }],
		['by-status-requested', { status: 'new', requested_datetime: never }],
		['by-requested', { requested_datetime: never }],
		['by-service-requested', { service_code: '-', requested_datetime: never }],
		['by-status-closed', { status: 'closed', closed_datetime: never }],
		['by-service-status-requested', { service_code: '-', status: 'new', requested_datetime: never }],
		['by-duplicate-status', { duplicate_of: '-', status: 'new' }],
		['by-token', { intake_token: '-' }],
		['by-updated', { updated_datetime: never }]
	];
	for (const [name, selector] of queries) {
		await retrying(() => db.find({ selector: { type: 'work_order', ...selector }, use_index: ['idx-orders', name], limit: 1 }));
	}
	await retrying(() => db.view('stats', 'by_status', { reduce: true }));
	await retrying(() => db.view('links', 'open_by_parent', { limit: 1 }));
}

