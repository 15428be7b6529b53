/**
 * Child process of npm run bench:load (scripts/bench/load.ts): crew tablets in Node. Each tablet is the real
 * sync module (src/lib/sync/engine.ts startSync: live two-way replication through the gateway with the
 * production batch sizes, push filter and backoff) on an in-memory PouchDB (pouchdb-adapter-memory), signed
 * in with its crew member's session cookie, recording note actions with the real recordAction. The parent
 * drives it over the IPC channel (messages below) and gets the figures back; nothing is written to disk.
 */
import PouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import type { SessionUser } from '../../src/lib/domain';
import { startSync, type SyncHandle } from '../../src/lib/sync/engine';
import { remoteUrlFor, type CrewOrder, type LocalSnapshot } from '../../src/lib/sync/local-db';
import { recordAction } from '../../src/lib/sync/record-action';
import type { SyncStatus } from '../../src/lib/sync/state';

PouchDB.plugin(memoryAdapter);

export interface TabletSpec {
	user: SessionUser;
	cookie: string;
	syncPath: string;
}

export type ToTablets =
	| { type: 'start'; origin: string; tablets: TabletSpec[]; ordersPerCrew: number; noteEveryMs: number }
	| { type: 'stop-writing' }
	/** Per crew, the master revision of each order it holds: reply once every tablet has exactly those (or after timeoutMs). */
	| { type: 'converge'; revs: Record<string, Record<string, string>>; timeoutMs: number }
	| { type: 'stop' };

export interface WrittenAction {
	id: string;
	crew: string;
	order_id: string;
	/** Date.now() when recorded on the tablet. */
	at: number;
}

export interface SyncErrorSample {
	crew: string;
	kind: string;
	message: string;
}

export interface TabletFigures {
	tablets: number;
	/** Start -> every assigned order and the catalog in the local database, per tablet (ms). */
	initial_ms: number[];
	/** Tablets that had not finished their initial sync when asked. */
	initial_pending: number;
	written: WrittenAction[];
	/** Recorded -> the pulled order lists the action as applied, as the tablet saw it (ms). */
	applied_seen_ms: number[];
	/** recordAction refusals or local write failures. */
	write_failures: number;
	/** Replication errors the sync module reported (each new lastError), and a few of them. */
	sync_errors: number;
	sync_error_samples: SyncErrorSample[];
	/** Tablets whose replication stopped for good (signed out, not allowed). */
	failed_tablets: number;
}

export type FromTablets =
	| { type: 'ready' }
	| { type: 'initial-done'; crew: string; ms: number }
	| { type: 'stopped-writing'; figures: TabletFigures }
	| { type: 'converged'; converged: number; stale: { crew: string; orders: number }[]; ms: number }
	| { type: 'stopped'; figures: TabletFigures }
	| { type: 'failed'; error: string };

const MAX_ERROR_SAMPLES = 10;
const CONVERGE_POLL_MS = 250;

interface Tablet {
	spec: TabletSpec;
	db: PouchDB.Database;
	sync: SyncHandle;
	startedAt: number;
	initialMs: number | null;
	orders: CrewOrder[];
	/** Action id -> when it was recorded, until the tablet sees it applied. */
	pending: Map<string, number>;
	timer: ReturnType<typeof setTimeout> | null;
	nextOrder: number;
	lastError: SyncStatus['lastError'];
	failed: boolean;
}

const tablets: Tablet[] = [];
const written: WrittenAction[] = [];
const appliedSeen: number[] = [];
const errorSamples: SyncErrorSample[] = [];
let syncErrors = 0;
let writeFailures = 0;
let writing = true;

const send = (msg: FromTablets) => process.send!(msg);

function cookieFetch(cookie: string) {
	return (url: string | Request, opts: RequestInit = {}) => {
		const headers = new Headers(opts.headers);
		headers.set('cookie', cookie);
		return PouchDB.fetch(url, { ...opts, headers });
	};
}

function figures(): TabletFigures {
	return {
		tablets: tablets.length,
		initial_ms: tablets.map((t) => t.initialMs).filter((v): v is number => v !== null),
		initial_pending: tablets.filter((t) => t.initialMs === null).length,
		written: [...written],
		applied_seen_ms: [...appliedSeen],
		write_failures: writeFailures,
		sync_errors: syncErrors,
		sync_error_samples: [...errorSamples],
		failed_tablets: tablets.filter((t) => t.failed).length
	};
}

function onSnapshot(t: Tablet, snap: LocalSnapshot, ordersPerCrew: number, noteEveryMs: number): void {
	t.orders = snap.orders;
	if (t.initialMs === null && snap.catalog && snap.orders.length >= ordersPerCrew) {
		t.initialMs = Date.now() - t.startedAt;
		send({ type: 'initial-done', crew: t.spec.user.crew!, ms: t.initialMs });
		// Notes once the crew has its orders; the first after a random part of the interval, so 100 crews do not
		// all write in the same second.
		if (writing) t.timer = setTimeout(() => void writeNote(t, noteEveryMs), Math.random() * noteEveryMs);
	}
	if (t.pending.size === 0) return;
	const now = Date.now();
	for (const order of snap.orders) {
		for (const id of order.applied_action_ids) {
			const at = t.pending.get(id);
			if (at === undefined) continue;
			appliedSeen.push(now - at);
			t.pending.delete(id);
		}
	}
}

function onStatus(t: Tablet, status: SyncStatus): void {
	if (status.phase === 'error' && !status.retrying) t.failed = true;
	if (status.lastError && status.lastError !== t.lastError) {
		syncErrors++;
		const e = status.lastError as unknown as { kind?: string; message?: string };
		if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push({ crew: t.spec.user.crew!, kind: String(e.kind), message: String(e.message) });
	}
	t.lastError = status.lastError;
}

async function writeNote(t: Tablet, noteEveryMs: number): Promise<void> {
	t.timer = null;
	if (!writing) return;
	const order = t.orders.length ? t.orders[t.nextOrder++ % t.orders.length]! : null;
	if (order) {
		try {
			const action = await recordAction(t.db, {
				user: t.spec.user,
				order,
				action: 'note',
				payload: { text: `bench:load note ${t.nextOrder} from ${t.spec.user.id}`, visibility: 'internal' }
			});
			const at = Date.now();
			t.pending.set(action.id, at);
			written.push({ id: action.id, crew: t.spec.user.crew!, order_id: order.service_request_id, at });
		} catch (e) {
			writeFailures++;
			if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push({ crew: t.spec.user.crew!, kind: 'write', message: String(e) });
		}
	}
	if (writing) t.timer = setTimeout(() => void writeNote(t, noteEveryMs), noteEveryMs);
}

function start(msg: Extract<ToTablets, { type: 'start' }>): void {
	for (const spec of msg.tablets) {
		const db = new PouchDB(`bench-load-${spec.user.crew}@${spec.user.id}`, { adapter: 'memory' });
		const startedAt = Date.now();
		const sync = startSync({ PouchDB, db, remoteUrl: remoteUrlFor(msg.origin, spec.syncPath), fetch: cookieFetch(spec.cookie) });
		const t: Tablet = { spec, db, sync, startedAt, initialMs: null, orders: [], pending: new Map(), timer: null, nextOrder: 0, lastError: null, failed: false };
		tablets.push(t);
		sync.subscribe((s) => onStatus(t, s));
		sync.subscribeLocal((snap) => onSnapshot(t, snap, msg.ordersPerCrew, msg.noteEveryMs));
	}
}

function stopWriting(): void {
	writing = false;
	for (const t of tablets) {
		if (t.timer) clearTimeout(t.timer);
		t.timer = null;
	}
}

async function converge(revs: Record<string, Record<string, string>>, timeoutMs: number): Promise<void> {
	const t0 = Date.now();
	/** Orders of this tablet's crew missing, extra or at another revision than the master's. */
	const staleOf = async (t: Tablet) => {
		const expected = revs[t.spec.user.crew!] ?? {};
		const local = await t.db.allDocs({ startkey: 'order:', endkey: 'order:\ufff0', include_docs: true });
		const have = new Map(local.rows.map((r) => [r.id, (r.doc as { source_rev?: string } | undefined)?.source_rev]));
		let stale = [...have.keys()].filter((id) => !(id in expected)).length;
		for (const [id, rev] of Object.entries(expected)) if (have.get(id) !== rev) stale++;
		return stale;
	};
	let stale: { crew: string; orders: number }[] = [];
	for (;;) {
		stale = [];
		for (const t of tablets) {
			const n = await staleOf(t);
			if (n > 0) stale.push({ crew: t.spec.user.crew!, orders: n });
		}
		if (stale.length === 0 || Date.now() - t0 > timeoutMs) break;
		await new Promise((r) => setTimeout(r, CONVERGE_POLL_MS));
	}
	send({ type: 'converged', converged: tablets.length - stale.length, stale, ms: Date.now() - t0 });
}

async function stopAll(): Promise<void> {
	stopWriting();
	await Promise.all(tablets.map((t) => t.sync.stop()));
	await Promise.all(tablets.map((t) => t.db.destroy()));
	send({ type: 'stopped', figures: figures() });
}

process.on('message', (msg: ToTablets) => {
	const run = async () => {
		switch (msg.type) {
			case 'start':
				return start(msg);
			case 'stop-writing':
				stopWriting();
				return send({ type: 'stopped-writing', figures: figures() });
			case 'converge':
				return converge(msg.revs, msg.timeoutMs);
			case 'stop':
				await stopAll();
				process.disconnect();
		}
	};
	run().catch((e: unknown) => send({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});

send({ type: 'ready' });
