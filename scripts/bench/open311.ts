/**
 * npm run bench:open311 — the Open311 GeoReport v2 server under load (issue 07): 100,000 requests in the
 * store, made from the real SF 311 sample (service types, places, how long cases stayed open), the built app
 * on loopback, autocannon at a fixed rate. Baselines measured in the same run at the same rate (machines are
 * noisy; compare ratios): GET /healthz (the app plus one store round trip) and the search's own Mango query
 * sent straight to the store. Figures:
 *  1. GET requests.json with service_code + status=open + a 30-day window (codes and windows rotate), 200/s;
 *  2. GET requests.json with a bbox (a map viewport downtown) + status=open, 200/s;
 *  3. POST requests.json, form-urlencoded with an API key, random points downtown, 30/s.
 * Goals: p95 <= 100 ms and 0 errors for each. Exit code 0 on a MISS (this is a report); 1 when set-up fails.
 *
 * The store is generated once into bench/out/open311/data and reused while it holds the data set (delete the
 * folder to start over; scripts/bench/dataset.ts, shared with bench:reports). BENCH_OPEN311_SECONDS sets each
 * run's length (default 12).
 */
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import { formatCityIso } from '../../src/lib/domain';
import { ORDERS_DB } from '../../src/lib/server/store/schema';
import { Session } from '../../tests/helpers/app-server';
import { DEMO_PASSWORD } from '../../tests/helpers/demo';
import { eventually } from '../../tests/helpers/store';
import {
	countOrders,
	DAY_MS,
	describeDataset,
	directStore,
	followersSettled,
	lcg,
	loadOrBuildDataset,
	machine,
	ms,
	percentile,
	requireBuild,
	retrying,
	sequentialTimes,
	STARTUP_TIMEOUT_MS,
	TIME_ZONE,
	warmIndexes
} from './dataset';
import { BenchRecord } from './record';

const SECONDS = Number(process.env.BENCH_OPEN311_SECONDS ?? 12);
const GET_RATE = 200; // requests per second (the figure)
const POST_RATE = 30;
const CONNECTIONS = 40; // enough for 200/s even at 200 ms per answer
const GOAL_P95_MS = 100;
const WINDOW_DAYS = 30;
const TOP_CODES = 10; // the busiest service codes, as clients ask for them
const SEQUENTIAL_SAMPLES = 20;
const DRAIN_QUICK_MS = 50; // /healthz answering this fast, three times in a row: the queue is empty
const DRAIN_QUICK_ANSWERS = 3;
const DRAIN_MAX_MS = 120_000; // stop waiting for a drain after this long

/** Downtown street extract (the demo's map): where bbox queries look and POSTs report. */
const DOWNTOWN = { west: -122.4195392, south: 37.7753615, east: -122.3957703, north: 37.7917798 } as const;
const VIEWPORT_DEG = { long: 0.012, lat: 0.009 }; // about 1 km square: a phone's map view at zoom 15

interface Measured {
	name: string;
	rate: number;
	result: Result;
	latencies: number[];
	statuses: Map<number, number>;
}

async function load(name: string, url: string, rate: number, requests: RequestSpec[], headers: Record<string, string> = {}, method = 'GET'): Promise<Measured> {
	const latencies: number[] = [];
	const statuses = new Map<number, number>();
	const instance = autocannon({ url, connections: Math.min(CONNECTIONS, rate), overallRate: rate, duration: SECONDS, timeout: 10, method, headers, ...(requests.length ? { requests } : {}), title: name });
	instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
		latencies.push(ms);
		statuses.set(status, (statuses.get(status) ?? 0) + 1);
	});
	const result = await instance;
	return { name, rate, result, latencies, statuses };
}

/** Waits until the app answers /healthz quickly again (requests a run left queued are done). */
async function drain(url: string) {
	const t0 = performance.now();
	let quick = 0;
	while (quick < DRAIN_QUICK_ANSWERS && performance.now() - t0 < DRAIN_MAX_MS) {
		const t = performance.now();
		try {
			await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(DRAIN_MAX_MS) })).arrayBuffer();
		} catch (e) {
			console.log(`  drain: /healthz failed (${String(e)})`);
		}
		quick = performance.now() - t < DRAIN_QUICK_MS ? quick + 1 : 0;
		await new Promise((r) => setTimeout(r, 200));
	}
	const waited = performance.now() - t0;
	if (waited > 2000) console.log(`  (waited ${(waited / 1000).toFixed(0)} s for the server to finish queued requests)`);
}

const rotating = (paths: readonly string[]): RequestSpec[] => {
	let i = 0;
	return [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }];
};

const cityIso = (instant: number) => encodeURIComponent(formatCityIso(instant, TIME_ZONE));

const record = new BenchRecord('open311');

async function main() {
	requireBuild('bench:open311');
	console.log(`bench:open311 on ${machine()}`);
	const tSetup = performance.now();
	const { app, store, manifest, built } = await loadOrBuildDataset();
	try {
		const tWarm = performance.now();
		await warmIndexes(store);
		await followersSettled(store);
		// The app's in-memory request index (what answers GET requests) starts on the first search; wait until
		// it has loaded the orders.
		await retrying(() => fetch(`${app.url}/open311/v2/requests.json?page_size=1`));
		await eventually(
			async () => ((await (await fetch(`${app.url}/healthz`)).json()) as { open311_index?: { ready: boolean } }).open311_index?.ready || undefined,
			STARTUP_TIMEOUT_MS,
			500
		);
		const total = await countOrders(store);
		console.log(
			`store: ${describeDataset(total, manifest, built)}; indexes warm, followers idle and the request index loaded in ${((performance.now() - tWarm) / 1000).toFixed(1)} s`
		);

		// The queries: the busiest service codes' open requests in 30-day windows of the last 90 days.
		const anchor = Date.parse(manifest.anchor);
		const codes = manifest.busiest_open_codes.slice(0, TOP_CODES);
		const windows = [0, 20, 40, 60].map((back) => ({ start: anchor - (back + WINDOW_DAYS) * DAY_MS, end: anchor - back * DAY_MS }));
		const filtered = codes.flatMap((code) =>
			windows.map((w) => `/open311/v2/requests.json?service_code=${code}&status=open&start_date=${cityIso(w.start)}&end_date=${cityIso(w.end)}`)
		);
		const random = lcg(7);
		const viewports = Array.from({ length: 40 }, () => {
			const west = DOWNTOWN.west + random() * (DOWNTOWN.east - DOWNTOWN.west - VIEWPORT_DEG.long);
			const south = DOWNTOWN.south + random() * (DOWNTOWN.north - DOWNTOWN.south - VIEWPORT_DEG.lat);
			return [west, south, west + VIEWPORT_DEG.long, south + VIEWPORT_DEG.lat].map((v) => v.toFixed(5)).join(',');
		});
		const bboxPaths = viewports.map((b, i) => {
			const w = windows[i % windows.length]!;
			return `/open311/v2/requests.json?bbox=${b}&status=open&start_date=${cityIso(w.start)}&end_date=${cityIso(w.end)}`;
		});
		// The direct-store baseline: the search's Mango query for one code and one status, sent to the store.
		const { base: storeBase, authorization: storeAuth } = await directStore(app);
		const mangoBodies = codes.flatMap((code) =>
			windows.map((w) =>
				JSON.stringify({
					selector: { type: 'work_order', service_code: code, status: 'new', requested_datetime: { $gte: formatCityIso(w.start, TIME_ZONE), $lte: formatCityIso(w.end, TIME_ZONE) } },
					fields: ['service_request_id', 'status', 'service_code', 'requested_datetime', 'lat', 'long', 'description', 'address'],
					sort: [{ type: 'desc' }, { service_code: 'desc' }, { status: 'desc' }, { requested_datetime: 'desc' }],
					use_index: ['idx-orders', 'by-service-status-requested'],
					limit: 1050
				})
			)
		);
		let mangoI = 0;
		const mangoRequests: RequestSpec[] = [{ setupRequest: (req) => ({ ...req, body: mangoBodies[mangoI++ % mangoBodies.length]! }) }];

		// POSTs: an API key from the admin API, service codes as the data set has them, points downtown.
		const admin = new Session(app.url);
		if ((await admin.login('admin', DEMO_PASSWORD)).status !== 200) throw new Error('admin login failed');
		const keyRes = await admin.request('POST', '/api/admin/api-keys', { name: 'bench:open311', contact: 'bench@localhost' }, { origin: app.url });
		if (keyRes.status !== 201) throw new Error(`creating an API key failed: ${keyRes.status} ${await keyRes.text()}`);
		const { key } = (await keyRes.json()) as { key: string };
		let postI = 0;
		const postRequests: RequestSpec[] = [
			{
				setupRequest: (req) => {
					const i = postI++;
					const body = new URLSearchParams({
						api_key: key,
						service_code: codes[i % codes.length]!,
						lat: (DOWNTOWN.south + random() * (DOWNTOWN.north - DOWNTOWN.south)).toFixed(6),
						long: (DOWNTOWN.west + random() * (DOWNTOWN.east - DOWNTOWN.west)).toFixed(6),
						description: `bench:open311 report ${i}`,
						...(i % 2 ? { email: `resident${i}@example.com`, first_name: 'Bench' } : {})
					});
					return { ...req, body: body.toString() };
				}
			}
		];

		// One request of each kind first (indexes, code paths, connection set-up); each must succeed.
		for (const p of [filtered[0]!, bboxPaths[0]!, '/healthz']) {
			const res = await fetch(app.url + p);
			if (res.status !== 200) throw new Error(`warm-up GET ${p} answered ${res.status}: ${await res.text()}`);
		}
		const warmMango = await fetch(`${storeBase}/${ORDERS_DB}/_find`, { method: 'POST', headers: { authorization: storeAuth, 'content-type': 'application/json' }, body: mangoBodies[0] });
		if (warmMango.status !== 200) throw new Error(`warm-up store _find answered ${warmMango.status}`);
		const sample = (await (await fetch(app.url + filtered[0]!)).json()) as unknown[];
		const sampleBbox = (await (await fetch(app.url + bboxPaths[0]!)).json()) as unknown[];
		console.log(
			`queries: ${filtered.length} service_code+status=open+30-day URLs (${codes.length} busiest codes; the first answers ${sample.length} requests), ` +
				`${bboxPaths.length} bbox+status=open+30-day URLs (~1 km viewports downtown; the first answers ${sampleBbox.length}); ${SECONDS} s each`
		);
		console.log(`setup ${((performance.now() - tSetup) / 1000).toFixed(1)} s`);

		// Service times one request at a time (no queueing): what each kind costs on an idle server.
		const oneAtATime = async (name: string, urls: readonly string[], init: RequestInit = {}, bodies: readonly string[] = []) => {
			const times = await sequentialTimes(SEQUENTIAL_SAMPLES, async (i) => {
				const res = await fetch(urls[i % urls.length]!, { ...init, ...(bodies.length ? { body: bodies[i % bodies.length] } : {}) });
				await res.arrayBuffer();
				if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
			});
			return { name, times };
		};
		const idle = [
			await oneAtATime('GET /healthz', [`${app.url}/healthz`]),
			await oneAtATime('store _find direct', [`${storeBase}/${ORDERS_DB}/_find`], { method: 'POST', headers: { authorization: storeAuth, 'content-type': 'application/json' } }, mangoBodies),
			await oneAtATime('GET requests.json code+open+30d', filtered.map((f) => app.url + f)),
			await oneAtATime('GET requests.json bbox+open+30d', bboxPaths.map((f) => app.url + f))
		];
		console.log('');
		console.log(`one at a time (${SEQUENTIAL_SAMPLES} each, idle server):`);
		for (const r of idle) console.log(`  ${r.name.padEnd(34)} p50 ${percentile(r.times, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(r.times, 95).toFixed(1).padStart(7)} ms`);

		// At a fixed rate; the server drains whatever a run left queued before the next one starts.
		const runs: Measured[] = [];
		const drained = async () => drain(app.url);
		runs.push(await load('GET /healthz (baseline)', `${app.url}/healthz`, GET_RATE, []));
		await drained();
		runs.push(await load('POST requests.json (form)', `${app.url}/open311/v2/requests.json`, POST_RATE, postRequests, { 'content-type': 'application/x-www-form-urlencoded' }, 'POST'));
		await drained();
		runs.push(await load('store _find direct (baseline)', `${storeBase}/${ORDERS_DB}/_find`, GET_RATE, mangoRequests, { authorization: storeAuth, 'content-type': 'application/json' }, 'POST'));
		await drained();
		runs.push(await load('GET requests.json code+open+30d', app.url, GET_RATE, rotating(filtered)));
		await drained();
		runs.push(await load('GET requests.json bbox+open+30d', app.url, GET_RATE, rotating(bboxPaths)));

		const p = (m: Measured, q: number) => percentile(m.latencies, q);
		const errorsOf = (m: Measured) => m.result.errors + m.result.timeouts + m.result.non2xx;
		console.log('');
		console.log(`${'run'.padEnd(34)} ${'rate/s'.padStart(7)} ${'done'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'errors'.padStart(7)}  statuses`);
		for (const m of runs) {
			const statuses = [...m.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ');
			console.log(
				`${m.name.padEnd(34)} ${(m.latencies.length / m.result.duration).toFixed(0).padStart(7)} ${String(m.latencies.length).padStart(6)} ${ms(p(m, 50)).padStart(7)} ${ms(p(m, 95)).padStart(7)} ${ms(p(m, 99)).padStart(7)} ${ms(Math.max(...m.latencies)).padStart(7)} ${String(errorsOf(m)).padStart(7)}  ${statuses}`
			);
		}
		const [healthz, posted, direct, coded, boxed] = runs as [Measured, Measured, Measured, Measured, Measured];
		console.log('');
		for (const m of [coded, boxed]) {
			console.log(`ratios ${m.name}: p95 / healthz p95 ${ms(p(m, 95) / p(healthz, 95))}x, p95 / direct store _find p95 ${ms(p(m, 95) / p(direct, 95))}x`);
		}
		console.log('');
		let missed = 0;
		for (const m of [coded, boxed, posted]) {
			const ok95 = p(m, 95) <= GOAL_P95_MS;
			const okErr = errorsOf(m) === 0 && m.latencies.length > 0;
			missed += Number(!ok95) + Number(!okErr);
			console.log(`goal ${m.name}: p95 <= ${GOAL_P95_MS} ms ${ok95 ? 'PASS' : 'MISS'} (${ms(p(m, 95))} ms); 0 errors ${okErr ? 'PASS' : 'MISS'} (${errorsOf(m)})`);
			const baseline = m === posted ? undefined : { name: `GET /healthz at ${m.rate}/s`, value: p(healthz, 95) };
			record.add({ name: `${m.name} at ${m.rate}/s, p95`, value: p(m, 95), unit: 'ms', baseline, goal: `p95 <= ${GOAL_P95_MS} ms`, met: ok95 });
			record.add({ name: `${m.name} at ${m.rate}/s, errors`, value: errorsOf(m), unit: 'errors', goal: '0', met: okErr });
		}
		console.log(missed ? `${missed} goal(s) missed` : 'all goals met');
		await record.save();
	} finally {
		await app.stop();
	}
}

main().then(
	() => process.exit(0),
	(e: unknown) => {
		console.error('bench:open311 failed:', e);
		process.exit(1);
	}
);
