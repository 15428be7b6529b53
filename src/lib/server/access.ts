/**
 * Role checks in one place (issue 01): which roles may reach which paths. hooks.server.ts applies it to
 * every request before any route code runs. Paths not listed need a signed-in user of any role.
 */
import { DISPATCH_ROLES, homePathFor, type Role, type SessionUser } from '../domain';

export interface AccessRule {
	prefix: string;
	/** null: public, no sign-in needed. */
	roles: readonly Role[] | null;
}

const STAFF: readonly Role[] = ['supervisor', 'manager', 'admin'];

export const ACCESS_RULES: readonly AccessRule[] = [
	{ prefix: '/healthz', roles: null },
	{ prefix: '/login', roles: null },
	{ prefix: '/api/auth/login', roles: null },
	{ prefix: '/api/auth/logout', roles: null },
	{ prefix: '/manifest.webmanifest', roles: null },
	{ prefix: '/favicon', roles: null },
	{ prefix: '/_app/', roles: null },
	{ prefix: '/service-worker.js', roles: null },
	// Public street map (OpenStreetMap data): tiles, glyphs, style, the area manifest.
	{ prefix: '/map', roles: null },
	// The resident loop (issue 07): Open311 (POSTs need an API key, checked by the endpoint), the report
	// form, public status pages, public photos (EXIF removed) and unsubscribe links.
	{ prefix: '/open311', roles: null },
	{ prefix: '/report', roles: null },
	{ prefix: '/requests', roles: null },
	{ prefix: '/media', roles: null },
	{ prefix: '/unsubscribe', roles: null },
	{ prefix: '/crew', roles: ['crew'] },
	// The sync gateway: crew members only; which database is checked by the gateway itself.
	{ prefix: '/sync', roles: ['crew'] },
	{ prefix: '/api/crew', roles: ['crew'] },
	{ prefix: '/board', roles: STAFF },
	{ prefix: '/api/orders', roles: STAFF },
	{ prefix: '/api/board', roles: STAFF },
	// Reports and open-data exports (issue 08): staff, never crews.
	{ prefix: '/reports', roles: STAFF },
	{ prefix: '/api/reports', roles: STAFF },
	// Changing who does what: supervisors (and admins), never crews or managers.
	{ prefix: '/api/dispatch', roles: DISPATCH_ROLES },
	{ prefix: '/api/conflicts', roles: DISPATCH_ROLES },
	{ prefix: '/admin', roles: ['admin'] },
	{ prefix: '/api/admin', roles: ['admin'] }
];

export type AccessDecision = 'allow' | 'sign-in' | 'forbidden';

function matches(pathname: string, prefix: string): boolean {
	if (prefix.endsWith('/')) return pathname.startsWith(prefix);
	return pathname === prefix || pathname.startsWith(prefix + '/') || pathname.startsWith(prefix + '.');
}

export function decideAccess(pathname: string, user: SessionUser | null): AccessDecision {
	const rule = ACCESS_RULES.find((r) => matches(pathname, r.prefix));
	if (rule && rule.roles === null) return 'allow';
	if (!user) return 'sign-in';
	if (rule && !rule.roles!.includes(user.role)) return 'forbidden';
	return 'allow';
}

/** Where each role lands after signing in. */
export function homeFor(user: SessionUser): string {
	return homePathFor(user.role);
}
