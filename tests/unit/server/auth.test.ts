import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/lib/server/auth/password';
import { createSessionToken, verifySessionToken } from '../../../src/lib/server/auth/session';
import { decideAccess, homeFor } from '../../../src/lib/server/access';
import type { SessionUser } from '../../../src/lib/domain';

const SECRET = 'x'.repeat(40);
const NOW = Date.parse('2026-11-23T10:00:00Z');

describe('password hashing', () => {
	it('verifies the right password and refuses a wrong one', async () => {
		const hash = await hashPassword('correct horse');
		expect(hash.startsWith('scrypt$')).toBe(true);
		expect(hash).not.toContain('correct horse');
		expect(await verifyPassword('correct horse', hash)).toBe(true);
		expect(await verifyPassword('correct horsE', hash)).toBe(false);
	});
	it('salts: the same password hashes differently', async () => {
		expect(await hashPassword('same')).not.toEqual(await hashPassword('same'));
	});
	it('refuses a malformed stored hash instead of throwing', async () => {
		expect(await verifyPassword('x', 'plain-text')).toBe(false);
	});
});

describe('session tokens', () => {
	it('round-trips a valid token', () => {
		const token = createSessionToken('supervisor', SECRET, 3600, NOW);
		expect(verifySessionToken(token, SECRET, NOW + 1000)?.sub).toBe('supervisor');
	});
	it('refuses an expired token', () => {
		const token = createSessionToken('supervisor', SECRET, 60, NOW);
		expect(verifySessionToken(token, SECRET, NOW + 61_000)).toBeNull();
	});
	it('refuses a token signed with another key or with a changed payload', () => {
		const token = createSessionToken('crew1a', SECRET, 3600, NOW);
		expect(verifySessionToken(token, 'y'.repeat(40), NOW)).toBeNull();
		const [, mac] = token.split('.');
		const forged = Buffer.from(JSON.stringify({ sub: 'admin', iat: NOW / 1000, exp: NOW / 1000 + 3600 })).toString('base64url');
		expect(verifySessionToken(`${forged}.${mac}`, SECRET, NOW)).toBeNull();
		expect(verifySessionToken('garbage', SECRET, NOW)).toBeNull();
		expect(verifySessionToken('', SECRET, NOW)).toBeNull();
	});
});

describe('access rules', () => {
	const crew: SessionUser = { id: 'c', name: 'C', role: 'crew', crew: 'dpw-1' };
	const supervisor: SessionUser = { id: 's', name: 'S', role: 'supervisor', crew: null };
	const admin: SessionUser = { id: 'a', name: 'A', role: 'admin', crew: null };

	it('public paths need no sign-in', () => {
		expect(decideAccess('/healthz', null)).toBe('allow');
		expect(decideAccess('/login', null)).toBe('allow');
		expect(decideAccess('/api/auth/login', null)).toBe('allow');
	});
	it('everything else needs a signed-in user', () => {
		expect(decideAccess('/crew', null)).toBe('sign-in');
		expect(decideAccess('/api/auth/me', null)).toBe('sign-in');
		expect(decideAccess('/board', null)).toBe('sign-in');
	});
	it('roles reach only their areas', () => {
		expect(decideAccess('/crew', crew)).toBe('allow');
		expect(decideAccess('/board', crew)).toBe('forbidden');
		expect(decideAccess('/api/orders', crew)).toBe('forbidden');
		expect(decideAccess('/board', supervisor)).toBe('allow');
		expect(decideAccess('/crew', supervisor)).toBe('forbidden');
		expect(decideAccess('/admin', supervisor)).toBe('forbidden');
		expect(decideAccess('/admin/outbox', admin)).toBe('allow');
	});
	it('a prefix does not leak to look-alike paths', () => {
		expect(decideAccess('/crewmate', null)).toBe('sign-in');
		expect(decideAccess('/healthzzz', null)).toBe('sign-in');
	});
	it('sends each role to its home', () => {
		expect(homeFor(crew)).toBe('/crew');
		expect(homeFor(supervisor)).toBe('/board');
		expect(homeFor({ ...supervisor, role: 'manager' })).toBe('/reports');
	});
	it('reports: staff only', () => {
		expect(decideAccess('/reports', null)).toBe('sign-in');
		expect(decideAccess('/reports', crew)).toBe('forbidden');
		expect(decideAccess('/api/reports/summary', crew)).toBe('forbidden');
		expect(decideAccess('/reports', supervisor)).toBe('allow');
		expect(decideAccess('/admin/sla', supervisor)).toBe('forbidden');
	});
});
