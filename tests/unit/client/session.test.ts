import { describe, expect, it } from 'vitest';
import { loadSession, SESSION_STORAGE_KEY } from '../../../src/lib/client/session';
import { SignOutGuards } from '../../../src/lib/client/sign-out-guard';
import { formatBytes, storageNearlyFull } from '../../../src/lib/pwa/storage';

class MemoryStorage {
	map = new Map<string, string>();
	getItem = (k: string) => this.map.get(k) ?? null;
	setItem = (k: string, v: string) => void this.map.set(k, v);
	removeItem = (k: string) => void this.map.delete(k);
}

const ME = {
	user: { id: 'ana', name: 'Ana Reyes', role: 'crew', crew: 'dpw-cleaning-1' },
	sync_path: '/sync/crew-dpw-cleaning-1',
	crew: { id: 'dpw-cleaning-1', name: 'Street Cleaning 1', depot: { lat: 37.77, long: -122.41, name: 'Yard' } }
};

const answer = (status: number, body: unknown = {}) => (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;
const noNetwork = (async () => {
	throw new TypeError('Failed to fetch');
}) as typeof fetch;

describe('loadSession: the tablet starts offline from its kept sign-in', () => {
	it('online: the server answer is used and kept', async () => {
		const storage = new MemoryStorage();
		const s = await loadSession(answer(200, ME), storage);
		expect(s).toMatchObject({ ...ME, offline: false });
		expect(JSON.parse(storage.getItem(SESSION_STORAGE_KEY)!)).toEqual(ME);
	});

	it('offline (no network) or server down (5xx): the kept copy, marked offline', async () => {
		const storage = new MemoryStorage();
		await loadSession(answer(200, ME), storage);
		expect(await loadSession(noNetwork, storage)).toMatchObject({ user: ME.user, offline: true });
		expect(await loadSession(answer(503, { error: 'store_unavailable' }), storage)).toMatchObject({ offline: true });
	});

	it('offline with nothing kept (never signed in here): no session', async () => {
		expect(await loadSession(noNetwork, new MemoryStorage())).toBeNull();
	});

	it('401 (signed out or session expired): no session and the kept copy is dropped', async () => {
		const storage = new MemoryStorage();
		await loadSession(answer(200, ME), storage);
		expect(await loadSession(answer(401, { error: 'unauthorized' }), storage)).toBeNull();
		expect(storage.getItem(SESSION_STORAGE_KEY)).toBeNull();
		expect(await loadSession(noNetwork, storage)).toBeNull();
	});

	it('a damaged kept copy counts as none', async () => {
		const storage = new MemoryStorage();
		storage.setItem(SESSION_STORAGE_KEY, '{"user":');
		expect(await loadSession(noNetwork, storage)).toBeNull();
		storage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ ...ME, user: { id: 'x' } }));
		expect(await loadSession(noNetwork, storage)).toBeNull();
	});
});

describe('sign-out guards', () => {
	it('collects the warnings of the screens that have work at risk, until they go away', () => {
		const guards = new SignOutGuards();
		let queued = 2;
		const remove = guards.add(() => (queued > 0 ? `${queued} not sent` : null));
		guards.add(() => null);
		expect(guards.warnings()).toEqual(['2 not sent']);
		queued = 0;
		expect(guards.warnings()).toEqual([]);
		queued = 1;
		remove();
		expect(guards.warnings()).toEqual([]);
	});
});

describe('storage figures', () => {
	it('formats bytes for people', () => {
		expect(formatBytes(0)).toBe('0 B');
		expect(formatBytes(1536)).toBe('1.5 KB');
		expect(formatBytes(250 * 1024 * 1024)).toBe('250 MB');
		expect(formatBytes(3.2 * 1024 ** 3)).toBe('3.2 GB');
	});

	it('warns from 90 % of the quota', () => {
		expect(storageNearlyFull({ usageBytes: 89, quotaBytes: 100, persisted: true })).toBe(false);
		expect(storageNearlyFull({ usageBytes: 90, quotaBytes: 100, persisted: true })).toBe(true);
		expect(storageNearlyFull({ usageBytes: 0, quotaBytes: 0, persisted: false })).toBe(false);
	});
});
