import { describe, expect, it } from 'vitest';
import { SessionCache } from '../../../src/lib/server/auth/session-cache';
import type { SessionUser } from '../../../src/lib/domain';

const ana: SessionUser = { id: 'ana', name: 'Ana', role: 'crew', crew: 'dpw-cleaning-1' };

describe('session cache', () => {
	it('loads once within the TTL and again after it', async () => {
		const cache = new SessionCache(1000);
		let loads = 0;
		const load = async () => (loads++, ana);
		expect(await cache.get('k', load, 0)).toEqual(ana);
		expect(await cache.get('k', load, 999)).toEqual(ana);
		expect(loads).toBe(1);
		await cache.get('k', load, 1000);
		expect(loads).toBe(2);
	});
	it('caches "no such session" too, and forgets a key on delete', async () => {
		const cache = new SessionCache(1000);
		let loads = 0;
		expect(await cache.get('bad', async () => (loads++, null), 0)).toBeNull();
		expect(await cache.get('bad', async () => (loads++, ana), 1)).toBeNull();
		cache.delete('bad');
		expect(await cache.get('bad', async () => (loads++, ana), 2)).toEqual(ana);
		expect(loads).toBe(2);
	});
	it('requests that miss together share one read (a tablet after its entry expired)', async () => {
		const cache = new SessionCache(1000);
		let loads = 0;
		let finish!: (u: SessionUser) => void;
		const load = () => (loads++, new Promise<SessionUser>((r) => (finish = r)));
		const many = Array.from({ length: 5 }, () => cache.get('k', load, 0));
		finish(ana);
		expect(await Promise.all(many)).toEqual(Array(5).fill(ana));
		expect(loads).toBe(1);
		expect(await cache.get('k', load, 10)).toEqual(ana);
		expect(loads).toBe(1);
	});
	it('a failed read fails every waiting request and is not cached', async () => {
		const cache = new SessionCache(1000);
		let loads = 0;
		const failing = async () => {
			loads++;
			throw new Error('store down');
		};
		const both = [cache.get('k', failing, 0), cache.get('k', failing, 0)];
		for (const p of both) await expect(p).rejects.toThrow('store down');
		expect(loads).toBe(1);
		expect(await cache.get('k', async () => (loads++, ana), 1)).toEqual(ana);
		expect(loads).toBe(2);
	});
	it('a sign-out while the read is in flight: the older read is not cached', async () => {
		const cache = new SessionCache(1000);
		let finish!: (u: SessionUser) => void;
		const inFlight = cache.get('k', () => new Promise<SessionUser>((r) => (finish = r)), 0);
		cache.delete('k');
		finish(ana);
		expect(await inFlight).toEqual(ana);
		expect(await cache.get('k', async () => null, 1)).toBeNull();
	});
});
