/**
 * npm run bench:sync — sync figures against the built app and its embedded store, with baselines measured
 * in the same run (machines are noisy; compare ratios, not absolute times):
 *  1. initial sync of a crew database of 1,000 orders into a fresh PouchDB through the gateway, versus
 *     directly from the store (goal: gateway <= 1.3x direct);
 *  2. action -> applied on the master: a tablet records an action, live sync pushes it, the runner applies
 *     it (goal: p95 <= 1 s);
 *  3. server edit -> visible on a live replica (goal: p95 <= 2 s).
 * Prints each figure, its ratio or goal, and the machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PouchDB from 'pouchdb';
import { crewDbName, type WorkOrder } from '../../src/lib/domain';
import { ORDERS_DB } from '../../src/lib/server/store/schema';
import { Session, startApp } from '../../tests/helpers/app-server';
import { DEMO_PASSWORD } from '../../tests/helpers/demo';
import { eventually, storeOf, storeUrlOf } from '../../tests/helpers/store';
import { BenchRecord } from './record';

const CREW = 'dpw-cleaning-1';
const USER = 'ana';
const ORDERS_IN_CREW_DB = 1000;
const INITIAL_SYNC_RUNS = 3; // each way, alternating
const LATENCY_SAMPLES = 40;

const record = new BenchRecord('sync');

const percentile = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const median = (xs: number[]) => percentile(xs, 50);
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

function cookieFetch(cookie: string) {
	return (url: string | Request, opts: RequestInit = {}) => {
		const headers = new Headers(opts.headers);
		headers.set('cookie', cookie);
		return PouchDB.fetch(url, { ...opts, headers });
	};
}

async function main() {
	const tmp = await mkdtemp(path.join(os.tmpdir(), 'fw-bench-sync-'));
	console.log(`bench:sync on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
	const app = await startApp();
	try {
		const store = await storeOf(app.dataDir);
		const session = new Session(app.url);
		if ((await session.login(USER, DEMO_PASSWORD)).status !== 200) throw new Error('demo login failed');
		const supervisor = new Session(app.url);
		await supervisor.login('supervisor', DEMO_PASSWORD);

		// Fill the crew's database to 1,000 orders: real historic cases handed to this crew as open work.
		const already = (await store.db(crewDbName(CREW)).info()).doc_count;
		const history = await store.db(ORDERS_DB).find<WorkOrder>({ selector: { type: 'work_order', status: 'closed' }, limit: ORDERS_IN_CREW_DB - already });
		const now = new Date().toISOString();
		await store.db(ORDERS_DB).bulkDocs(
			history.docs.map((o) => ({ ...o, status: 'assigned', crew: CREW, closed_datetime: null, resolution: null, assignments: [...o.assignments, { crew: CREW, from: now }] }))
		);
		await eventually(async () => ((await store.db(crewDbName(CREW)).info()).doc_count >= ORDERS_IN_CREW_DB ? true : undefined), 60_000, 200);
		const docCount = (await store.db(crewDbName(CREW)).info()).doc_count;

		// 1. Initial sync: gateway vs direct.
		const gatewayUrl = `${app.url}/sync/${crewDbName(CREW)}`;
		const directUrl = `${await storeUrlOf(app.dataDir)}/${crewDbName(CREW)}`;
		const times = { gateway: [] as number[], direct: [] as number[] };
		for (let run = 0; run < INITIAL_SYNC_RUNS * 2; run++) {
			const via = run % 2 === 0 ? 'gateway' : 'direct';
			const local = new PouchDB(path.join(tmp, `initial-${run}`));
			const remote = via === 'gateway' ? new PouchDB(gatewayUrl, { fetch: cookieFetch(session.cookie) }) : new PouchDB(directUrl);
			const t0 = performance.now();
			const res = await local.replicate.from(remote, { batch_size: 100 });
			times[via].push(performance.now() - t0);
			if (res.docs_written < docCount) throw new Error(`${via}: wrote ${res.docs_written} of ${docCount}`);
			await local.destroy();
		}
		const ratio = median(times.gateway) / median(times.direct);
		record.add({
			name: `initial sync of ${docCount} docs through the gateway (median of ${INITIAL_SYNC_RUNS})`,
			value: median(times.gateway),
			unit: 'ms',
			baseline: { name: 'straight from the store', value: median(times.direct) },
			goal: 'gateway <= 1.3× direct',
			met: ratio <= 1.3
		});
		console.log(`initial sync of ${docCount} docs: gateway ${fmt(median(times.gateway))} (median of ${INITIAL_SYNC_RUNS}), direct ${fmt(median(times.direct))}; ratio ${ratio.toFixed(2)}x (goal <= 1.30x) ${ratio <= 1.3 ? 'OK' : 'MISSED'}`);

		// 2 + 3. A live tablet.
		const tablet = new PouchDB(path.join(tmp, 'tablet'));
		const remote = new PouchDB(gatewayUrl, { fetch: cookieFetch(session.cookie) });
		await tablet.replicate.from(remote);
		const live = tablet.sync(remote, { live: true, retry: true });
		try {
			const orders = (await tablet.allDocs({ startkey: 'order:', endkey: 'order:\ufff0', include_docs: true })).rows.map((r) => r.doc as unknown as WorkOrder);
			const applied: number[] = [];
			for (let i = 0; i < LATENCY_SAMPLES; i++) {
				const order = orders[i % orders.length]!;
				const id = randomUUID();
				const t0 = performance.now();
				await tablet.put({
					_id: `action:${id}`,
					type: 'field_action',
					id,
					action: 'note',
					order_id: order.service_request_id,
					crew: CREW,
					author: USER,
					device_time: new Date().toISOString(),
					base_rev: null,
					payload: { text: `bench note ${i}`, visibility: 'internal' }
				});
				await eventually(async () => ((await store.db(ORDERS_DB).get<WorkOrder>(order._id)).applied_action_ids.includes(id) ? true : undefined), 10_000, 10);
				applied.push(performance.now() - t0);
			}
			const p95a = percentile(applied, 95);
			record.add({ name: `action -> applied on the master, p95 of ${LATENCY_SAMPLES}`, value: p95a, unit: 'ms', goal: 'p95 <= 1000 ms', met: p95a <= 1000 });
			console.log(`action -> applied on master: p50 ${fmt(median(applied))}, p95 ${fmt(p95a)} over ${LATENCY_SAMPLES} (goal p95 <= 1000 ms) ${p95a <= 1000 ? 'OK' : 'MISSED'}`);

			const visible: number[] = [];
			for (let i = 0; i < LATENCY_SAMPLES; i++) {
				const order = orders[i % orders.length]!;
				const t0 = performance.now();
				const res = await supervisor.request('POST', `/api/orders/${order.service_request_id}/actions`, { action: 'set_priority', payload: { priority: i % 2 ? 'low' : 'high' } });
				if (res.status !== 200) throw new Error(`dispatch failed: ${res.status}`);
				const { order: after } = (await res.json()) as { order: WorkOrder };
				await eventually(async () => {
					const local = (await tablet.get(order._id)) as unknown as { source_rev: string };
					return local.source_rev === after._rev ? true : undefined;
				}, 10_000, 10);
				visible.push(performance.now() - t0);
			}
			const p95v = percentile(visible, 95);
			record.add({ name: `server edit -> visible on a live replica, p95 of ${LATENCY_SAMPLES}`, value: p95v, unit: 'ms', goal: 'p95 <= 2000 ms', met: p95v <= 2000 });
			console.log(`server edit -> visible on a live replica: p50 ${fmt(median(visible))}, p95 ${fmt(p95v)} over ${LATENCY_SAMPLES} (goal p95 <= 2000 ms) ${p95v <= 2000 ? 'OK' : 'MISSED'}`);
		} finally {
			live.cancel();
			await tablet.destroy();
		}
		await record.save();
	} finally {
		await app.stop();
		await rm(tmp, { recursive: true, force: true });
	}
}

main().then(
	() => process.exit(0),
	(e: unknown) => {
		console.error('bench:sync failed:', e);
		process.exit(1);
	}
);
