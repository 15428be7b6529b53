/**
 * npm run bench:reports — the managers' figures at 100,000 requests (issue 08: "with 100,000 requests the page's
 * data comes back in under a second"). The built app on loopback, on the data set bench:open311 uses
 * (scripts/bench/dataset.ts: reused when it is there, built otherwise), signed in as the demo manager.
 *  1. The report index's load: from the first GET /api/reports/summary until /healthz says reports_index.ready,
 *     its size, and the app process's resident memory (VmRSS; the embedded store runs in the same process)
 *     before and after. The orders feed that loads it also fills the Open311 request index.
 *  2. GET /api/reports/summary one request at a time (BENCH_REPORTS_SAMPLES each, default 20, after 2
 *     warm-ups): the last 30 days, the last 90 days, everything by month, the busiest service type over 180
 *     days, the 5 busiest types over 90 days ("last": up to the data set's anchor day, so a data set reused
 *     months later still has the same requests in those ranges). The service keeps identical answers for 60 s, so every sample
 *     asks something new: the date ranges end one city day earlier per sample ("everything" moves its end
 *     date one day later instead: a future end date still counts every request); each answer's generated_at
 *     is checked to be after the request was sent (a cached answer would be older).
 *  3. Baselines in the same run, same method: GET /healthz (the app plus one store round trip), and the way
 *     the index replaces — reading the 90 days' orders (only the fields a report needs) straight from the
 *     store with one Mango _find (BENCH_REPORTS_STORE_SAMPLES, default 3, after 1 warm-up). That is only the
 *     read: summing the orders would come on top.
 * Goal: p95 < 1000 ms for each summary query. Exit code 0 on a MISS (this is a report); 1 when set-up fails.
 * The figures also go to bench/out/reports.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatCityIso, type ReportResponse } from '../../src/lib/domain';
import { cityDay, parseCityDate } from '../../src/lib/server/analytics/range';
import { ORDERS_DB } from '../../src/lib/server/store/schema';
import { ROOT, Session, type RunningApp } from '../../tests/helpers/app-server';
import { DEMO_PASSWORD } from '../../tests/helpers/demo';
import { eventually } from '../../tests/helpers/store';
import {
	countOrders,
	DAY_MS,
	describeDataset,
	directStore,
	followersSettled,
	loadOrBuildDataset,
	machine,
	ms,
	percentile,
	requireBuild,
	sequentialTimes,
	STARTUP_TIMEOUT_MS,
	TIME_ZONE,
	warmIndexes
} from './dataset';
import { BenchRecord } from './record';

const SAMPLES = Number(process.env.BENCH_REPORTS_SAMPLES ?? 20);
const WARMUPS = 2;
const STORE_SAMPLES = Number(process.env.BENCH_REPORTS_STORE_SAMPLES ?? 3);
const STORE_WARMUPS = 1;
const GOAL_P95_MS = 1000; // issue 08: the page's data in under a second
const TOP_CODES = 5;
const HEALTH_POLL_MS = 50;
const OUT_JSON = path.join(ROOT, 'bench', 'out', 'reports.json');
/** What a report reads of an order (domain/analytics.ts factOf): the direct read asks the store for these only. */
const FACT_FIELDS = [
	'type',
	'service_request_id',
	'service_code',
	'requested_datetime',
	'status',
	'closed_datetime',
	'department',
	'neighborhood',
	'supervisor_district',
	'crew',
	'lat',
	'long',
	'attributes'
];

interface Health {
	reports_index?: { ready: boolean; requests: number };
}

interface Figures {
	name: string;
	times: number[];
	p50: number;
	p95: number;
	max: number;
}

interface QueryFigures extends Figures {
	/** Median answer size (KB) and requests counted (summary.totals.requests). */
	kb: number;
	requests: number;
	example: string;
}

const figures = (name: string, times: number[]): Figures => ({ name, times, p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) });
const median = (xs: readonly number[]) => percentile(xs, 50);
const kib = (bytes: number) => bytes / 1024;

/** A city day (YYYY-MM-DD) moved by `days`. */
function shiftDay(day: string, days: number): string {
	const [y, m, d] = day.split('-').map(Number) as [number, number, number];
	return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Resident memory of a process (MiB, from /proc/<pid>/status): now, and its peak so far. */
async function memoryOf(pid: number | undefined): Promise<{ rss_mib: number; peak_mib: number } | null> {
	if (pid === undefined) return null;
	try {
		const status = await readFile(`/proc/${pid}/status`, 'utf8');
		const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
		return { rss_mib: kb('VmRSS') / 1024, peak_mib: kb('VmHWM') / 1024 };
	} catch {
		return null; // not Linux, or the process is gone: no figure
	}
}
const mib = (m: { rss_mib: number } | null) => (m ? `${m.rss_mib.toFixed(0)} MiB` : '-');

async function health(app: RunningApp): Promise<Health> {
	return (await (await fetch(`${app.url}/healthz`)).json()) as Health;
}

/** The report index's load, from the first summary request (the page's default: the last 365 days). */
async function measureLoad(app: RunningApp, manager: Session) {
	const before = await health(app);
	const alreadyReady = before.reports_index?.ready === true;
	const memBefore = await memoryOf(app.proc.pid);
	const t0 = performance.now();
	let notReady = 0;
	const first = (async () => {
		for (;;) {
			const res = await manager.request('GET', '/api/reports/summary');
			const text = await res.text();
			if (res.status === 200) return { ms: performance.now() - t0, kb: kib(Buffer.byteLength(text)) };
			if (res.status !== 503) throw new Error(`the first summary answered ${res.status}: ${text}`);
			notReady++;
		}
	})();
	first.catch(() => undefined); // handled below, once the index is ready
	const ready = await eventually(
		async () => {
			const h = await health(app);
			return h.reports_index?.ready ? { ms: performance.now() - t0, requests: h.reports_index.requests } : undefined;
		},
		STARTUP_TIMEOUT_MS,
		HEALTH_POLL_MS
	);
	const answered = await first;
	const memAfter = await memoryOf(app.proc.pid);
	const logged = /\[orders-feed\] read models ready: (\d+) order changes in (\d+) ms/.exec(app.logs());
	return {
		already_ready: alreadyReady,
		ready_ms: ready.ms,
		index_requests: ready.requests,
		first_answer_ms: answered.ms,
		first_answer_kb: answered.kb,
		not_ready_answers: notReady,
		server_log: logged ? { changes: Number(logged[1]), ms: Number(logged[2]) } : null,
		memory_before: memBefore,
		memory_after: memAfter
	};
}

interface SummaryQuery {
	name: string;
	/** The query string of sample i (warm-ups included): a different one each time. */
	params(i: number): string;
}

/** One summary query, one request at a time; every sample must be computed, not answered from the cache. */
async function measureSummary(manager: Session, q: SummaryQuery): Promise<QueryFigures> {
	const answers: { sent: number; status: number; text: string }[] = [];
	const times = await sequentialTimes(WARMUPS + SAMPLES, async (i) => {
		const sent = Date.now();
		const res = await manager.request('GET', `/api/reports/summary?${q.params(i)}`);
		answers.push({ sent, status: res.status, text: await res.text() });
	});
	const kbs: number[] = [];
	const counted: number[] = [];
	for (const [i, a] of answers.entries()) {
		if (a.status !== 200) throw new Error(`${q.name}: ?${q.params(i)} answered ${a.status}: ${a.text.slice(0, 300)}`);
		const body = JSON.parse(a.text) as ReportResponse;
		if (Date.parse(body.generated_at) < a.sent) throw new Error(`${q.name}: ?${q.params(i)} came from the service's cache (generated ${body.generated_at})`);
		kbs.push(kib(Buffer.byteLength(a.text)));
		counted.push(body.summary.totals.requests);
	}
	return { ...figures(q.name, times.slice(WARMUPS)), kb: median(kbs.slice(WARMUPS)), requests: median(counted.slice(WARMUPS)), example: q.params(WARMUPS) };
}

async function main() {
	requireBuild('bench:reports');
	console.log(`bench:reports on ${machine()}`);
	const tRun = performance.now();
	const { app, store, manifest, built } = await loadOrBuildDataset();
	try {
		const tWarm = performance.now();
		await warmIndexes(store);
		await followersSettled(store);
		const total = await countOrders(store);
		console.log(`store: ${describeDataset(total, manifest, built)}; indexes warm, followers idle in ${((performance.now() - tWarm) / 1000).toFixed(1)} s`);

		const manager = new Session(app.url);
		const login = await manager.request('POST', '/api/auth/login', { username: 'manager', password: DEMO_PASSWORD }, { origin: app.url });
		if (login.status !== 200) throw new Error(`manager login failed: ${login.status} ${await login.text()}`);

		// 1. The index's load.
		const load = await measureLoad(app, manager);
		console.log('');
		if (load.already_ready) console.log('report index: already loaded before the first summary request (something else started the orders feed)');
		console.log(
			`report index: ready ${(load.ready_ms / 1000).toFixed(1)} s after the first summary request, ${load.index_requests.toLocaleString('en-US')} requests; ` +
				`first answer (the page's default, last 365 days, ${load.first_answer_kb.toFixed(0)} KB) after ${(load.first_answer_ms / 1000).toFixed(1)} s` +
				(load.not_ready_answers ? ` (${load.not_ready_answers} × 503 not_ready first)` : '')
		);
		if (load.server_log) console.log(`  the server's log: ${load.server_log.changes.toLocaleString('en-US')} order changes read in ${(load.server_log.ms / 1000).toFixed(1)} s`);
		const grown = load.memory_before && load.memory_after ? ` (+${(load.memory_after.rss_mib - load.memory_before.rss_mib).toFixed(0)} MiB; the feed also fills the Open311 request index)` : '';
		console.log(`  app process RSS (app and embedded store): ${mib(load.memory_before)} before, ${mib(load.memory_after)} after${grown}`);

		// 2. The queries. Service codes: the busiest over the whole data set, from an answer for everything.
		const anchorDay = cityDay(new Date(manifest.anchor), TIME_ZONE);
		const today = cityDay(new Date(), TIME_ZONE);
		const probe = await manager.request('GET', '/api/reports/summary?range=all&period=month');
		if (probe.status !== 200) throw new Error(`summary range=all answered ${probe.status}: ${await probe.text()}`);
		const codes = ((await probe.json()) as ReportResponse).summary.by.service.slice(0, TOP_CODES).map((g) => g.key);
		if (codes.length < TOP_CODES) throw new Error(`only ${codes.length} service types on record`);
		/** The n city days up to the data set's last day, moved back i days. */
		const window = (n: number, i: number) => {
			const end = shiftDay(anchorDay, -i);
			return { start: shiftDay(end, -(n - 1)), end };
		};
		const days = (n: number, extra = '') => (i: number) => {
			const w = window(n, i);
			return `start_date=${w.start}&end_date=${w.end}${extra}`;
		};
		const queries: SummaryQuery[] = [
			{ name: 'last 30 days', params: days(30) },
			{ name: 'last 90 days', params: days(90) },
			{ name: 'range=all, by month', params: (i) => `range=all&period=month&end_date=${shiftDay(today, i + 1)}` },
			{ name: `${codes[0]}, 180 days`, params: days(180, `&service_code=${codes[0]}`) },
			{ name: `${TOP_CODES} busiest codes, 90 days`, params: days(90, `&service_code=${codes.join(',')}`) }
		];
		const summaries: QueryFigures[] = [];
		for (const q of queries) summaries.push(await measureSummary(manager, q));
		const memSummaries = await memoryOf(app.proc.pid);
		// The cache check itself: the last sample's query again, within the cache's minute, must come from the cache.
		const again = queries.at(-1)!.params(WARMUPS + SAMPLES - 1);
		const sentAgain = Date.now();
		const repeated = (await (await manager.request('GET', `/api/reports/summary?${again}`)).json()) as ReportResponse;
		const cacheSeen = Date.parse(repeated.generated_at) < sentAgain;

		// 3. Baselines: /healthz, and the 90 days' orders read straight from the store (same ranges as "last 90 days").
		const healthz = figures(
			'GET /healthz',
			(
				await sequentialTimes(WARMUPS + SAMPLES, async () => {
					const res = await fetch(`${app.url}/healthz`);
					await res.arrayBuffer();
					if (res.status !== 200) throw new Error(`/healthz: ${res.status}`);
				})
			).slice(WARMUPS)
		);
		const { base, authorization } = await directStore(app);
		const storeRead = (i: number) => {
			const w = window(90, i);
			return JSON.stringify({
				selector: {
					type: 'work_order',
					requested_datetime: { $gte: formatCityIso(parseCityDate(w.start, false, TIME_ZONE)!, TIME_ZONE), $lte: formatCityIso(parseCityDate(w.end, true, TIME_ZONE)!, TIME_ZONE) }
				},
				fields: FACT_FIELDS,
				sort: [{ type: 'asc' }, { requested_datetime: 'asc' }],
				use_index: ['idx-orders', 'by-requested'],
				limit: total + 1000
			});
		};
		const read: { docs: number; bytes: number }[] = [];
		const storeTimes = await sequentialTimes(STORE_WARMUPS + STORE_SAMPLES, async (i) => {
			const res = await fetch(`${base}/${ORDERS_DB}/_find`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: storeRead(i) });
			const text = await res.text();
			if (res.status !== 200) throw new Error(`store _find: ${res.status} ${text.slice(0, 300)}`);
			read.push({ docs: 0, bytes: Buffer.byteLength(text) });
			if (i === 0) read[0]!.docs = (JSON.parse(text) as { docs: unknown[] }).docs.length; // in the warm-up: not a timed sample
		});
		const direct = figures('store _find, 90 days, fact fields', storeTimes.slice(STORE_WARMUPS));
		const memEnd = await memoryOf(app.proc.pid);

		// Figures.
		const row = (f: Figures, n: number, extra = '') =>
			`  ${f.name.padEnd(38)} ${String(n).padStart(3)}  ${ms(f.p50).padStart(8)} ${ms(f.p95).padStart(8)} ${ms(f.max).padStart(8)}${extra}`;
		console.log('');
		console.log(`one at a time (after ${WARMUPS} warm-ups; every summary sample a different query, none from the cache):`);
		console.log(`  ${'query'.padEnd(38)} ${'n'.padStart(3)}  ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)}    KB  requests`);
		for (const f of summaries) console.log(row(f, f.times.length, `  ${f.kb.toFixed(0).padStart(5)}  ${f.requests.toLocaleString('en-US').padStart(8)}`));
		console.log(row(healthz, healthz.times.length, '  (baseline)'));
		console.log(
			row(direct, direct.times.length, `  ${kib(median(read.slice(STORE_WARMUPS).map((r) => r.bytes))).toFixed(0).padStart(5)}  ${read[0]!.docs.toLocaleString('en-US').padStart(8)}  (baseline, after ${STORE_WARMUPS} warm-up; orders: the warm-up's window)`)
		);
		console.log(`  e.g. ${summaries.map((f) => `?${f.example}`).join('  ')}`);
		console.log(
			cacheSeen
				? '  (cache check: asking the last sample again was answered from the cache, so a hit would have been seen)'
				: '  (cache check: asking the last sample again was computed anew: the index moved meanwhile, or the cache is off)'
		);
		console.log('');
		const ninety = summaries[1]!;
		for (const f of summaries) console.log(`ratio ${f.name}: p95 / healthz p95 ${(f.p95 / healthz.p95).toFixed(1)}x`);
		console.log(`ratio store read p95 / "last 90 days" summary p95: ${(direct.p95 / ninety.p95).toFixed(1)}x (the read alone, before any summing)`);
		console.log(`app process RSS: ${mib(memSummaries)} after the summary samples, ${mib(memEnd)} after the store reads${memEnd ? ` (peak ${memEnd.peak_mib.toFixed(0)} MiB)` : ''}`);
		console.log('');
		const goals = summaries.map((f) => ({ query: f.name, p95_ms: f.p95, met: f.p95 < GOAL_P95_MS }));
		for (const g of goals) console.log(`goal ${g.query}: p95 < ${GOAL_P95_MS} ms ${g.met ? 'MET' : 'MISS'} (${ms(g.p95_ms)} ms)`);
		const missed = goals.filter((g) => !g.met).length;
		console.log(missed ? `${missed} goal(s) missed` : 'all goals met');

		const r1 = (v: number) => Math.round(v * 10) / 10;
		const strip = ({ times, p50, p95, max, ...rest }: Figures) => ({ ...rest, p50: r1(p50), p95: r1(p95), max: r1(max), samples_ms: times.map(r1) });
		await mkdir(path.dirname(OUT_JSON), { recursive: true });
		await writeFile(
			OUT_JSON,
			JSON.stringify(
				{
					bench: 'reports',
					at: new Date().toISOString(),
					machine: machine(),
					data_set: { orders: total, anchor: manifest.anchor, version: manifest.version, built },
					index_load: load,
					summaries: summaries.map(strip),
					baselines: { healthz: strip(healthz), store_read_90_days: { ...strip(direct), docs_in_warm_up_window: read[0]!.docs, bytes: read[0]!.bytes } },
					ratios: {
						summary_p95_over_healthz_p95: Object.fromEntries(summaries.map((f) => [f.name, f.p95 / healthz.p95])),
						store_read_p95_over_summary_90_days_p95: direct.p95 / ninety.p95
					},
					memory_after_summaries: memSummaries,
					memory_after_store_reads: memEnd,
					cache_check_hit: cacheSeen,
					goals,
					run_s: (performance.now() - tRun) / 1000
				},
				null,
				'\t'
			) + '\n'
		);
		console.log(`figures written to ${path.relative(ROOT, OUT_JSON)}`);
		const record = new BenchRecord('reports');
		for (const f of summaries) {
			record.add({ name: `GET /api/reports/summary, ${f.name}, p95`, value: f.p95, unit: 'ms', baseline: { name: 'GET /healthz', value: healthz.p95 }, goal: `p95 < ${GOAL_P95_MS} ms`, met: f.p95 < GOAL_P95_MS });
		}
		record.add({ name: 'reading the 90 days straight from the store (what the index replaces), p95', value: direct.p95, unit: 'ms', baseline: { name: 'the 90-day summary', value: ninety.p95 } });
		record.add({ name: `report index loaded after a start (${total.toLocaleString('en-US')} orders)`, value: load.ready_ms / 1000, unit: 's' });
		await record.save();
	} catch (e) {
		console.error(`the app's output:\n${app.logs().slice(-4000)}`);
		throw e;
	} finally {
		await app.stop();
	}
}

main().then(
	() => process.exit(0),
	(e: unknown) => {
		console.error('bench:reports failed:', e);
		process.exit(1);
	}
);
