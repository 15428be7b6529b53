import { describe, expect, it } from 'vitest';
import { classifySyncError, isQuotaExceeded, StorageFullError, type SyncError } from '../../../src/lib/sync/errors';
import {
	deriveStatus,
	initialSyncModel,
	nextBackoffMs,
	reduceSync,
	sameStatus,
	SYNC_RETRY_JITTER,
	SYNC_RETRY_MAX_MS,
	SYNC_RETRY_MIN_MS,
	type SyncEvent,
	type SyncModel
} from '../../../src/lib/sync/state';

const T1 = '2024-05-01T08:00:00.000Z';
const T2 = '2024-05-01T08:05:00.000Z';
const T3 = '2024-05-01T08:10:00.000Z';

const run = (events: SyncEvent[], model: SyncModel = initialSyncModel(true)) => events.reduce(reduceSync, model);
const status = (events: SyncEvent[], model?: SyncModel) => deriveStatus(run(events, model));

const error = (e: unknown, direction: 'push' | 'pull' = 'pull'): SyncError => classifySyncError(e, direction, T2);
const http = (status: number, name: string, reason = 'because') => ({ status, name, reason, message: reason, error: true });

/** A first sync that has caught up both ways at T1. */
const caughtUp: SyncEvent[] = [
	{ type: 'replicating' },
	{ type: 'paused', direction: 'pull', at: T1, error: null },
	{ type: 'paused', direction: 'push', at: T1, error: null }
];

describe('nextBackoffMs', () => {
	const noJitter = () => 0.5; // factor 1

	it('doubles from 1 s and is capped at 5 min', () => {
		const waits: number[] = [];
		let ms = 0;
		for (let i = 0; i < 12; i++) waits.push((ms = nextBackoffMs(ms, noJitter)));
		expect(waits.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 16000]);
		expect(Math.max(...waits)).toBe(SYNC_RETRY_MAX_MS);
		expect(waits.at(-1)).toBe(SYNC_RETRY_MAX_MS);
	});

	it('jitters within ±20 % and never leaves [min, max]', () => {
		expect(nextBackoffMs(4000, () => 0)).toBe(8000 * (1 - SYNC_RETRY_JITTER));
		expect(nextBackoffMs(4000, () => 0.999999)).toBeCloseTo(8000 * (1 + SYNC_RETRY_JITTER), -1);
		expect(nextBackoffMs(0, () => 0)).toBe(SYNC_RETRY_MIN_MS);
		expect(nextBackoffMs(SYNC_RETRY_MAX_MS, () => 0.999999)).toBe(SYNC_RETRY_MAX_MS);
	});
});

describe('sync state transitions', () => {
	it('starts stopped, then shows the initial download with its progress', () => {
		expect(deriveStatus(initialSyncModel(true)).phase).toBe('stopped');
		const s = status([{ type: 'replicating' }, { type: 'change', direction: 'pull', docsRead: 20, docsWritten: 18, pending: 42 }]);
		expect(s.phase).toBe('initial');
		expect(s.progress).toEqual({ docsRead: 20, docsWritten: 18, pending: 42 });
	});

	it('the first time the pull catches up, the initial sync is over; both caught up is "idle" with lastSyncedAt', () => {
		const afterPull = run([{ type: 'replicating' }, { type: 'paused', direction: 'pull', at: T1, error: null }]);
		expect(afterPull.initialSyncedAt).toBe(T1);
		expect(deriveStatus(afterPull).phase).toBe('active'); // the push has not said it is caught up yet
		expect(afterPull.lastSyncedAt).toBeNull();
		const idle = deriveStatus(run(caughtUp));
		expect(idle).toMatchObject({ phase: 'idle', lastSyncedAt: T1, progress: null, error: null });
	});

	it('a known earlier initial sync (persisted) skips the "initial" phase after a reload', () => {
		const s = status([{ type: 'loaded', initialSyncedAt: T1, lastSyncedAt: T2 }, { type: 'replicating' }]);
		expect(s.phase).toBe('active');
		expect(s.lastSyncedAt).toBe(T2);
	});

	it('loaded metadata never moves the times back', () => {
		const m = run([...caughtUp, { type: 'paused', direction: 'push', at: T3, error: null }, { type: 'loaded', initialSyncedAt: T1, lastSyncedAt: T2 }]);
		expect(m.lastSyncedAt).toBe(T3);
	});

	it('activity after idle is "active"; caught up again moves lastSyncedAt', () => {
		const m = run([...caughtUp, { type: 'active', direction: 'push' }]);
		expect(deriveStatus(m).phase).toBe('active');
		const again = run([{ type: 'paused', direction: 'push', at: T3, error: null }], m);
		expect(deriveStatus(again)).toMatchObject({ phase: 'idle', lastSyncedAt: T3 });
	});

	it('started without a network is "offline" (not "stopped"): the tablet waits for it', () => {
		expect(deriveStatus(run([{ type: 'started' }], initialSyncModel(false)))).toMatchObject({ phase: 'offline', online: false });
	});

	it('offline (the browser says so) wins over everything but a refusal', () => {
		const m = run([...caughtUp, { type: 'network', online: false }, { type: 'halted', keepFailed: true }]);
		expect(deriveStatus(m)).toMatchObject({ phase: 'offline', online: false, lastSyncedAt: T1, retrying: true });
		const back = run([{ type: 'network', online: true }, { type: 'replicating' }], m);
		expect(deriveStatus(back).phase).toBe('active');
	});

	it('no answer from the server is "offline" too, retrying, with the reason', () => {
		const s = status([...caughtUp, { type: 'paused', direction: 'pull', at: T2, error: error(new TypeError('Failed to fetch')) }]);
		expect(s).toMatchObject({ phase: 'offline', online: true, retrying: true });
		expect(s.error?.kind).toBe('unreachable');
	});

	it('a server error or a refused upload is "error", retrying by itself', () => {
		const s = status([...caughtUp, { type: 'paused', direction: 'pull', at: T2, error: error(new TypeError('Failed to fetch')) }, { type: 'paused', direction: 'push', at: T2, error: error(http(413, 'too_large'), 'push') }]);
		expect(s).toMatchObject({ phase: 'error', retrying: true });
		expect(s.error?.kind).toBe('too_large');
		const recovered = status([...caughtUp, { type: 'paused', direction: 'pull', at: T2, error: error(http(503, 'bad_gateway')) }, { type: 'active', direction: 'pull' }]);
		expect(recovered).toMatchObject({ phase: 'active', error: null });
		expect(recovered.lastError?.kind).toBe('server');
	});

	it('401 is a distinct signed-out error that does not retry, and survives going offline and back', () => {
		const signedOut = error(http(401, 'unauthorized', 'Sign in first'));
		const m = run([...caughtUp, { type: 'failed', direction: 'pull', error: signedOut }]);
		expect(deriveStatus(m)).toMatchObject({ phase: 'error', retrying: false, error: { kind: 'signed_out', status: 401 } });
		const offlineAndBack = run([{ type: 'network', online: false }, { type: 'halted', keepFailed: true }, { type: 'network', online: true }], m);
		expect(deriveStatus(offlineAndBack)).toMatchObject({ phase: 'error', retrying: false });
		// restart(): replication starts afresh
		expect(deriveStatus(run([{ type: 'halted', keepFailed: false }, { type: 'replicating' }], m)).phase).toBe('active');
	});

	it('a 403 reported through "paused" is treated as failed as well', () => {
		const s = status([...caughtUp, { type: 'paused', direction: 'push', at: T2, error: error(http(403, 'forbidden'), 'push') }]);
		expect(s).toMatchObject({ phase: 'error', retrying: false, error: { kind: 'not_allowed', direction: 'push' } });
	});

	it('stop() is "stopped"; outbox counts pass through', () => {
		const m = run([...caughtUp, { type: 'outbox', queuedActions: 2, pendingActions: 3 }, { type: 'stopped' }]);
		expect(deriveStatus(m)).toMatchObject({ phase: 'stopped', queuedActions: 2, pendingActions: 3 });
	});

	it('a warning is remembered as lastError without changing the phase', () => {
		const s = status([...caughtUp, { type: 'warning', error: error(new DOMException('full', 'QuotaExceededError')) }]);
		expect(s.phase).toBe('idle');
		expect(s.lastError?.kind).toBe('storage_full');
	});

	it('sameStatus tells real changes from none', () => {
		const a = status(caughtUp);
		expect(sameStatus(a, status(caughtUp))).toBe(true);
		expect(sameStatus(a, status([...caughtUp, { type: 'outbox', queuedActions: 1, pendingActions: 1 }]))).toBe(false);
	});
});

describe('classifySyncError', () => {
	it.each([
		[http(401, 'unauthorized'), 'signed_out', 401],
		[http(403, 'forbidden'), 'not_allowed', 403],
		[http(413, 'too_large'), 'too_large', 413],
		[http(400, 'bad_request'), 'rejected', 400],
		[http(502, 'bad_gateway'), 'server', 502],
		[new TypeError('Failed to fetch'), 'unreachable', null],
		[Object.assign(new Error('request to http://x failed, reason: connect ECONNREFUSED'), { code: 'ECONNREFUSED', type: 'system' }), 'unreachable', null],
		[{ name: 'unauthorized', message: 'Name or password is incorrect.' }, 'signed_out', 401]
	] as const)('%o is %s', (e, kind, status) => {
		const c = classifySyncError(e, 'push', T1);
		expect(c.kind).toBe(kind);
		expect(c.status).toBe(status);
		expect(c.message.length).toBeGreaterThan(10);
	});

	it('passes the gateway\'s public reason along', () => {
		const c = classifySyncError(http(403, 'forbidden', 'alice may sync only crew-a'), 'pull', T1);
		expect(c.detail).toBe('alice may sync only crew-a');
		expect(c.message).toContain('alice may sync only crew-a');
	});
});

describe('isQuotaExceeded', () => {
	it.each([
		['DOMException', new DOMException('The quota has been exceeded.', 'QuotaExceededError')],
		['PouchDB idb wrapper', { status: 500, name: 'indexed_db_went_bad', message: 'unknown', reason: 'QuotaExceededError' }],
		['Firefox', { name: 'NS_ERROR_DOM_QUOTA_REACHED' }],
		['legacy code', { name: 'Error', code: 22 }],
		['our own', new StorageFullError()]
	])('recognises %s', (_label, e) => {
		expect(isQuotaExceeded(e)).toBe(true);
		expect(classifySyncError(e, 'pull', T1).kind).toBe('storage_full');
	});

	it('does not mistake other errors for it', () => {
		expect(isQuotaExceeded(new Error('boom'))).toBe(false);
		expect(isQuotaExceeded({ status: 500, name: 'indexed_db_went_bad', reason: 'UnknownError' })).toBe(false);
		expect(isQuotaExceeded(null)).toBe(false);
	});
});
