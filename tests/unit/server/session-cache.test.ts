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
});
