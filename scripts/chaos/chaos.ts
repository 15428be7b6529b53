/**
 * The chaos run (issue 09): simulated tablets sync through fault-injecting proxies while their network comes
 * and goes, supervisors reassign orders and the app server is killed with SIGKILL and restarted; then a
 * quiet phase lets everything settle and the checks (checks.ts) decide whether anything was lost, applied
 * twice or left diverged. With two servers, both run over ONE store: server A owns the embedded store on a
 * fixed loopback port, server B reaches it through COUCHDB_URL (as an app server reaches Apache CouchDB),
 * both with the same SESSION_SECRET so a tablet's cookie works on either; the proxies spread connections
 * over both, and kills hit either — killing A takes the store away from B too.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { userDocId, userSchema, type WorkOrder } from '../../src/lib/domain';
import { hashPassword } from '../../src/lib/server/auth/password';
import { DEMO_PASSWORD } from '../../src/lib/server/seed/index';
import { DEMO_CREWS } from '../../src/lib/server/seed/orders';
import { CouchClient, isConflict } from '../../src/lib/server/store/couch-client';
import { DIRECTORY_DB, ORDERS_DB } from '../../src/lib/server/store/schema';
import { policyFromDays } from '../../src/lib/server/sync/projector';
import { freePort } from '../../tests/helpers/app-server';
import { storeUrlOf } from '../../tests/helpers/store';
import { notYetLogged, runChecks, type ChaosCounts, type CheckResult } from './checks';
import { addStats, emptyProxyStats, FaultProxy, NO_FAULTS, type FaultPlan, type ProxyStats } from './proxy';
import { Rng } from './rng';
import { ChaosServer } from './servers';
import { SimTablet } from './tablet';

export type Range = readonly [number, number];

export interface ChaosOptions {
	tablets: number;
	actionsPerTablet: number;
	seed: number;
	kills: number;
	servers: 1 | 2;
	faults: FaultPlan;
	/** A tablet's pause between two actions (ms). */
	thinkMs: Range;
	/** How long a tablet stays online, then offline (seconds). */
	onlineSeconds: Range;
	offlineSeconds: Range;
	/** Share of offline periods the OS announces (the others: the network just stops answering). */
	announcedOffline: number;
	/** Supervisors reassigning at once, each pausing `supervisorMs` between two dispatch requests. */
	supervisors: number;
	supervisorMs: Range;
	/** How long a killed server stays down before it is started again (seconds). */
	downSeconds: Range;
	/** How long the quiet phase may take to converge before the run fails (seconds). */
	quietTimeoutSeconds: number;
	/** Keep the run's directory (data, logs) even when the run passes. */
	keep: boolean;
	/** Log every tablet's HTTP exchanges into the run's log directory. */
	trace: boolean;
	log(line: string): void;
}

export interface KillRecord {
	server: string;
	atActions: number;
	downMs: number;
	restartMs: number;
}

export interface SupervisorStats {
	requests: number;
	applied: number;
	refused: number;
	failed: number;
	/** Answers other than 200 and 409 by status, and 'network' for requests that got no answer. */
	failures: Record<string, number>;
}

export interface ChaosReport {
	options: Omit<ChaosOptions, 'log'>;
	counts: ChaosCounts;
	failures: string[];
	ok: boolean;
	faults: ProxyStats;
	offlinePeriods: number;
	/** Network errors PouchDB left unhandled (see watchUnhandled): logged by a browser, harmless. */
	pouchUnhandledNetworkErrors: number;
	kills: KillRecord[];
	supervisor: SupervisorStats;
	activeMs: number;
	/** From the start of the quiet phase until the checks passed (or gave up). */
	quietMs: number;
	totalMs: number;
	runDir: string;
	machine: string;
}

const CHECK_INTERVAL_MS = 3000; // between convergence checks in the quiet phase
const PASSES_TO_SETTLE = 2;
const PROGRESS_INTERVAL_MS = 15_000;
const MAX_LISTENERS_SPARE = 10;
const SUPERVISOR = 'supervisor';
const HTTP_OK = 200;
const HTTP_CONFLICT = 409;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A sleep that ends early when `signal` aborts (the end of the active phase). */
const pause = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		const done = () => {
			clearTimeout(t);
			signal.removeEventListener('abort', done);
			resolve();
		};
		const t = setTimeout(done, ms);
		signal.addEventListener('abort', done, { once: true });
	});
const between = (rng: Rng, [min, max]: Range) => rng.between(min, max);

/** Tablet users: the ten demo crew members (one per crew in turn), then extra members `chaos-<n>`. */
function tabletUsers(n: number): { username: string; crew: string; extra: boolean }[] {
	const users = [];
	for (let i = 0; i < n; i++) {
		const crew = DEMO_CREWS[i % DEMO_CREWS.length]!;
		const member = crew.members[Math.floor(i / DEMO_CREWS.length)];
		users.push(member ? { username: member.id, crew: crew.id, extra: false } : { username: `chaos-${i}`, crew: crew.id, extra: true });
	}
	return users;
}

/** Extra crew members for runs with more tablets than demo accounts, written into the directory like the seed's. */
async function createExtraUsers(store: CouchClient, users: { username: string; crew: string; extra: boolean }[]): Promise<void> {
	const hash = await hashPassword(DEMO_PASSWORD);
	for (const u of users.filter((x) => x.extra)) {
		const doc = userSchema.parse({
			_id: userDocId(u.username),
			type: 'user',
			id: u.username,
			name: `Chaos tablet ${u.username}`,
			role: 'crew',
			crew: u.crew,
			password_hash: hash,
			active: true,
			created_at: new Date().toISOString()
		});
		try {
			await store.db(DIRECTORY_DB).put(doc);
		} catch (e) {
			if (!isConflict(e)) throw e; // already there (a kept run directory)
		}
	}
}

/** A supervisor's signed cookie: the session secret is shared, so it works on either server. */
async function supervisorCookie(servers: readonly ChaosServer[]): Promise<string> {
	for (;;) {
		for (const s of servers.filter((x) => x.up)) {
			try {
				const res = await fetch(`${s.url}/api/auth/login`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ username: SUPERVISOR, password: DEMO_PASSWORD })
				});
				const cookie = res.headers.get('set-cookie')?.split(';')[0];
				if (res.status === HTTP_OK && cookie) return cookie;
			} catch {
				// That server is going down: try the other, then again.
			}
		}
		await sleep(500);
	}
}

/**
 * PouchDB 9's replication reports progress with `src.info().then(…)` and no catch (the activeTasks
 * bookkeeping after each batch), so a network error at that moment is an unhandled rejection. A browser only
 * logs it ("Uncaught (in promise)") and the replication carries on; Node would exit. The run does what the
 * browser does for network errors and counts them; any other unhandled rejection is a failure of the run.
 */
function watchUnhandled(failures: string[]): { networkRejections: () => number; stop(): void } {
	let network = 0;
	const handler = (reason: unknown) => {
		const e = reason as { name?: string; type?: string; message?: string } | null;
		if (e?.name === 'FetchError' && e.type === 'system') network++;
		else failures.push(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
	};
	process.on('unhandledRejection', handler);
	return { networkRejections: () => network, stop: () => process.off('unhandledRejection', handler) };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
	const started = Date.now();
	const unhandledFailures: string[] = [];
	const unhandled = watchUnhandled(unhandledFailures);
	const log = (line: string) => options.log(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
	const rng = (label: string) => Rng.derive(options.seed, label);
	const runDir = await mkdtemp(path.join(os.tmpdir(), 'fw-chaos-'));
	const logDir = path.join(runDir, 'logs');
	await mkdir(logDir, { recursive: true });
	await mkdir(path.join(runDir, 'tablets'), { recursive: true });

	// ---- servers ----
	const sessionSecret = randomBytes(32).toString('base64url');
	const storePort = await freePort();
	const serverA = new ChaosServer({
		name: 'A',
		port: await freePort(),
		dataDir: path.join(runDir, 'data-a'),
		env: { STORE_PORT: String(storePort), SESSION_SECRET: sessionSecret },
		logDir
	});
	const servers: ChaosServer[] = [serverA];
	const proxies: FaultProxy[] = [];
	const tablets: SimTablet[] = [];
	let result: CheckResult | null = null;
	const kills: KillRecord[] = [];
	const supervisor: SupervisorStats = { requests: 0, applied: 0, refused: 0, failed: 0, failures: {} };
	let activeMs = 0;
	let quietMs = 0;
	let crashed: unknown = null;
	try {
		log(`run directory ${runDir}; starting server A (embedded store on 127.0.0.1:${storePort}, first start seeds the demo data)`);
		await serverA.start();
		const storeUrl = await storeUrlOf(serverA.spec.dataDir);
		if (options.servers === 2) {
			const serverB = new ChaosServer({
				name: 'B',
				port: await freePort(),
				dataDir: path.join(runDir, 'data-b'),
				env: { COUCHDB_URL: storeUrl, SEED: 'none', SESSION_SECRET: sessionSecret },
				logDir
			});
			servers.push(serverB);
			log('starting server B over the same store (COUCHDB_URL)');
			await serverB.start();
		}
		const store = new CouchClient(storeUrl);
		const users = tabletUsers(options.tablets);
		await createExtraUsers(store, users);
		const masterBefore = await store.db(ORDERS_DB).allDocs<WorkOrder>({ startkey: 'order:', endkey: 'order:\ufff0', include_docs: true });
		const ordersBefore = new Set(masterBefore.rows.map((r) => r.id));
		// Today's work: the orders open at the start (supervisors move these around; tablets get them).
		const pool = masterBefore.rows.filter((r) => r.doc && r.doc.status !== 'closed').map((r) => r.doc!.service_request_id);
		log(`${ordersBefore.size} orders, ${pool.length} open; ${servers.length} app server(s) on ports ${servers.map((s) => s.port).join(', ')}`);

		// ---- tablets, each behind its own proxy ----
		const upstreams = () => servers.map((s) => s.port);
		for (let i = 0; i < options.tablets; i++) {
			const proxy = new FaultProxy({ upstreams, rng: rng(`proxy-${i}`), faults: options.faults });
			await proxy.listen();
			proxies.push(proxy);
		}
		tablets.push(
			...(await Promise.all(
				users.map((u, i) =>
					SimTablet.start({
						index: i,
						username: u.username,
						password: DEMO_PASSWORD,
						proxy: proxies[i]!,
						dir: path.join(runDir, 'tablets'),
						rng: rng(`tablet-${i}`),
						...(options.trace ? { traceFile: path.join(logDir, `tablet-${i}-${u.username}.http.log`) } : {})
					})
				)
			))
		);
		log(`${tablets.length} tablets signed in through their proxies: ${tablets.map((t) => t.user.id).join(', ')}`);

		// ---- active phase ----
		const total = options.tablets * options.actionsPerTablet;
		const createdNow = () => tablets.reduce((n, t) => n + t.created.length, 0);
		const activity = new AbortController();
		// Every tablet's network loop and the supervisor wait on it at once.
		setMaxListeners(options.tablets + MAX_LISTENERS_SPARE, activity.signal);
		const active = () => !activity.signal.aborted;
		const activeStart = Date.now();
		const work = tablets.map(async (t, i) => {
			const r = rng(`work-${i}`);
			while (t.created.length < options.actionsPerTablet) {
				await sleep(between(r, options.thinkMs));
				await t.act();
			}
		});
		const networks = tablets.map(async (t, i) => {
			const r = rng(`network-${i}`);
			while (active()) {
				await pause(between(r, options.onlineSeconds) * 1000, activity.signal);
				if (!active()) break;
				t.goOffline(r.chance(options.announcedOffline));
				await pause(between(r, options.offlineSeconds) * 1000, activity.signal);
				t.goOnline();
			}
		});
		const dispatching = Array.from({ length: options.supervisors }, async (_, i) => {
			const r = rng(`supervisor-${i}`);
			let cookie = await supervisorCookie(servers);
			while (active()) {
				await pause(between(r, options.supervisorMs), activity.signal);
				if (!active()) break;
				const up = servers.filter((s) => s.up);
				if (up.length === 0 || pool.length === 0) continue;
				const server = r.pick(up);
				const id = r.pick(pool);
				// What the board shows of the order (read from the store: the board's own reads are not under test).
				const order = await store
					.db(ORDERS_DB)
					.get<WorkOrder>(`order:${id}`)
					.catch(() => null); // the store is down (server A killed): look again later
				if (!order) continue;
				supervisor.requests++;
				try {
					const others = DEMO_CREWS.map((c) => c.id).filter((c) => c !== order.crew);
					// A closed order is reopened into its department's queue; a queued one assigned; others reassigned.
					const body =
						order.status === 'closed'
							? { action: 'unassign', payload: { reason: 'Reopened: the resident says it is back' } }
							: { action: 'assign', payload: { crew: r.pick(others) } };
					const res = await fetch(`${server.url}/api/orders/${id}/actions`, {
						method: 'POST',
						headers: { 'content-type': 'application/json', cookie },
						body: JSON.stringify(body)
					});
					await res.arrayBuffer();
					if (res.status === HTTP_OK) supervisor.applied++;
					else if (res.status === HTTP_CONFLICT) supervisor.refused++;
					else {
						supervisor.failed++;
						supervisor.failures[res.status] = (supervisor.failures[res.status] ?? 0) + 1;
						if (res.status === 401) cookie = await supervisorCookie(servers);
					}
				} catch {
					// The server or the store went down under the request.
					supervisor.failed++;
					supervisor.failures.network = (supervisor.failures.network ?? 0) + 1;
				}
			}
		});
		const killing = (async () => {
			const r = rng('kills');
			// Servers in turn from a random first one: with two, both are killed (A takes the store down with it).
			const first = r.int(0, servers.length - 1);
			for (let k = 0; k < options.kills; k++) {
				const threshold = Math.ceil((total * (k + 1)) / (options.kills + 1));
				while (createdNow() < threshold && tablets.some((t) => t.created.length < options.actionsPerTablet)) await sleep(100);
				const target = servers[(first + k) % servers.length]!;
				const atActions = createdNow();
				log(`SIGKILL server ${target.name} (${atActions}/${total} actions created)`);
				await target.kill();
				const downMs = between(r, options.downSeconds) * 1000;
				await sleep(downMs);
				const t0 = Date.now();
				await target.start();
				const restartMs = Date.now() - t0;
				kills.push({ server: target.name, atActions, downMs: Math.round(downMs), restartMs });
				log(`server ${target.name} is back after ${((downMs + restartMs) / 1000).toFixed(1)} s (restart ${(restartMs / 1000).toFixed(1)} s)`);
			}
		})();
		const progress = setInterval(() => {
			const offline = tablets.filter((t) => t.offline !== 'no').length;
			log(`${createdNow()}/${total} actions created, ${offline} tablets offline, ${kills.length}/${options.kills} kills, ${supervisor.requests} supervisor requests`);
		}, PROGRESS_INTERVAL_MS);
		try {
			await Promise.all([...work, killing]);
		} finally {
			activity.abort();
			clearInterval(progress);
		}
		await Promise.all([...networks, ...dispatching]);
		activeMs = Date.now() - activeStart;
		log(`active phase over: ${createdNow()} actions created in ${(activeMs / 1000).toFixed(1)} s; quiet phase: faults off, every tablet online`);

		// ---- quiet phase ----
		const quietStart = Date.now();
		for (const p of proxies) p.setFaults(NO_FAULTS);
		for (const t of tablets) t.goOnline();
		const policy = policyFromDays(2);
		const crews = DEMO_CREWS.map((c) => c.id);
		let lastError: unknown = null;
		let passes = 0;
		let lastProgress = 0;
		for (;;) {
			try {
				const behind = await notYetLogged(store, tablets);
				if (behind > 0) {
					if (Date.now() - lastProgress > PROGRESS_INTERVAL_MS) {
						lastProgress = Date.now();
						log(`quiet: ${behind} of ${createdNow()} actions not yet in the actions log`);
					}
					result = null;
				} else {
					result = await runChecks({ store, storeUrl, tablets, crews, ordersBefore, policy });
				}
				lastError = null;
			} catch (e) {
				lastError = e; // a store read failed (it should be up by now): try again until the deadline
				result = null;
			}
			if (result && !result.ok && Date.now() - lastProgress > PROGRESS_INTERVAL_MS) {
				lastProgress = Date.now();
				log(`quiet: ${result.counts.replicasConverged}/${result.counts.replicas} replicas converged; ${result.failures.length} kinds of difference left`);
			}
			// Settled means passing twice in a row: a late write (a lagging projector) would show in between.
			passes = result?.ok ? passes + 1 : 0;
			if (passes >= PASSES_TO_SETTLE) break;
			if (Date.now() - quietStart > options.quietTimeoutSeconds * 1000) break;
			await sleep(CHECK_INTERVAL_MS);
		}
		quietMs = Date.now() - quietStart;
		// Out of time with actions still not logged: the full checks say which.
		if (!result && !lastError) result = await runChecks({ store, storeUrl, tablets, crews, ordersBefore, policy });
		if (!result) throw new Error(`the checks could not read the store: ${String(lastError)}`);
		log(result.ok ? `converged after ${(quietMs / 1000).toFixed(1)} s of quiet` : `not converged after ${(quietMs / 1000).toFixed(1)} s of quiet`);
	} catch (e) {
		crashed = e;
	} finally {
		await Promise.allSettled(tablets.map((t) => t.stop()));
		await Promise.allSettled(proxies.map((p) => p.close()));
		await Promise.allSettled(servers.map((s) => s.stop()));
		unhandled.stop();
	}
	const failures = [...(result?.failures ?? []), ...unhandledFailures, ...(crashed ? [`the run stopped: ${crashed instanceof Error ? (crashed.stack ?? crashed.message) : String(crashed)}`] : [])];
	const ok = failures.length === 0 && result !== null;
	if (ok && !options.keep) await rm(runDir, { recursive: true, force: true });
	const { log: _log, ...plain } = options;
	void _log;
	return {
		options: plain,
		counts: result?.counts ?? emptyCounts(),
		failures,
		ok,
		faults: proxies.reduce((sum, p) => addStats(sum, p.stats), emptyProxyStats()),
		offlinePeriods: tablets.reduce((n, t) => n + t.offlinePeriods, 0),
		pouchUnhandledNetworkErrors: unhandled.networkRejections(),
		kills,
		supervisor,
		activeMs,
		quietMs,
		totalMs: Date.now() - started,
		runDir,
		machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`
	};
}

function emptyCounts(): ChaosCounts {
	return {
		actionsCreated: 0,
		inLog: 0,
		inCrewDb: 0,
		applied: 0,
		noop: 0,
		conflicts: 0,
		conflictReasons: {},
		positions: 0,
		duplicates: 0,
		missing: 0,
		conflictDocsMissing: 0,
		staleConflicts: 0,
		supervisorActions: 0,
		supervisorActionsUnapplied: 0,
		ordersBefore: 0,
		ordersAfter: 0,
		ordersLost: 0,
		ordersAdded: 0,
		ordersByStatus: {},
		ordersInSeveralCrewDbs: 0,
		projectionMismatches: 0,
		replicas: 0,
		replicasConverged: 0
	};
}
