import { json, redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { decideAccess } from '$lib/server/access';
import { userFromSession } from '$lib/server/auth/auth-service';
import { bearerCacheKey, userFromDeviceToken } from '$lib/server/auth/device-tokens';
import { SESSION_COOKIE } from '$lib/server/auth/session';
import { bootstrap } from '$lib/server/bootstrap';
import { ConfigError } from '$lib/server/config';
import { getContext, setContext } from '$lib/server/context';
import { StoreUnavailableError, toPublicError } from '$lib/server/errors';
import { discardUnreadBody } from '$lib/server/http';
import { open311PathRefusal } from '$lib/server/open311/api';

export const init: ServerInit = async () => {
	if (building) return;
	try {
		const ctx = await bootstrap(process.env);
		setContext(ctx);
		const stop = (signal: string) => {
			console.log(`[server] ${signal}: closing the store`);
			ctx.close().finally(() => process.exit(0));
		};
		process.once('SIGTERM', () => stop('SIGTERM'));
		process.once('SIGINT', () => stop('SIGINT'));
	} catch (e) {
		if (e instanceof ConfigError) {
			console.error(e.message);
			process.exit(1);
		}
		console.error('[server] start-up failed:', e instanceof Error ? e.message : e);
		process.exit(1);
	}
};

const isApi = (pathname: string) => pathname.startsWith('/api/') || pathname.startsWith('/sync/');

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * CSRF: a browser always sends Origin with a form post; refuse one whose host is not ours. Clients that are
 * not browsers (Open311 apps, scripts) send no Origin and carry no ambient cookies, so they pass.
 */
function isCrossSiteForm(request: Request, pathname: string): boolean {
	if (!UNSAFE_METHODS.has(request.method)) return false;
	// Open311 POSTs are authorised by their api_key, never by cookies: apps on other origins may post.
	if (pathname.startsWith('/open311/')) return false;
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (!FORM_TYPES.includes(type)) return false;
	const origin = request.headers.get('origin');
	if (!origin) return false;
	try {
		return new URL(origin).host !== request.headers.get('host');
	} catch {
		return true;
	}
}

export const handle: Handle = async (input) => {
	let response: Response | undefined;
	try {
		response = await route(input);
		return response;
	} finally {
		// Every answer, refusals before the body was read included, goes out after the request body was read:
		// otherwise the keep-alive connection stalls and the client sees a reset instead of the answer. One that
		// already closes the connection (a body refused as too large) is not read.
		if (response?.headers.get('connection') !== 'close' && !(await discardUnreadBody(input.event.request))) {
			try {
				response?.headers.set('connection', 'close');
			} catch {
				// Immutable headers (a fetched response passed on): Node's own timeout closes the connection.
			}
		}
	}
};

const route: Handle = async ({ event, resolve }) => {
	const ctx = getContext();
	const { pathname } = event.url;
	if (isCrossSiteForm(event.request, pathname)) {
		const reason = `Cross-site ${event.request.method} form submissions are forbidden`;
		return isApi(pathname) ? json({ error: 'forbidden', reason }, { status: 403 }) : new Response(reason, { status: 403 });
	}
	event.locals.user = null;
	const token = event.cookies.get(SESSION_COOKIE);
	const authorization = event.request.headers.get('authorization');
	if (token || authorization) {
		try {
			// A session cookie (browsers) or a revocable device token (Authorization: Bearer, shared tablets).
			const bearerKey = bearerCacheKey(authorization);
			event.locals.user =
				(token ? await ctx.sessions.get(`cookie:${token}`, () => userFromSession(ctx, token)) : null) ??
				(bearerKey ? await ctx.sessions.get(bearerKey, () => userFromDeviceToken(ctx.store, authorization)) : null);
		} catch (e) {
			if (!(e instanceof StoreUnavailableError)) throw e;
			// The store is down: public routes and /healthz still answer; others say 503 below.
			if (decideAccess(pathname, null) !== 'allow') {
				const err = toPublicError(e);
				return json(err.body, { status: err.status });
			}
		}
	}

	// No route matches: a 404 for everyone (JSON under /api, the spec's error list under /open311), before any
	// sign-in redirect.
	if (event.route.id === null) {
		if (isApi(pathname)) return json({ error: 'not_found', reason: `No API at ${pathname}` }, { status: 404 });
		if (pathname.startsWith('/open311/')) return open311PathRefusal(pathname);
		return resolve(event);
	}

	const decision = decideAccess(pathname, event.locals.user);
	if (decision === 'sign-in') {
		if (isApi(pathname)) return json({ error: 'unauthorized', reason: 'Sign in first' }, { status: 401 });
		redirect(303, `/login?next=${encodeURIComponent(pathname + event.url.search)}`);
	}
	if (decision === 'forbidden') {
		if (isApi(pathname)) {
			return json({ error: 'forbidden', reason: `The ${event.locals.user!.role} role may not use this` }, { status: 403 });
		}
		return new Response('Forbidden: your role may not open this page', { status: 403, headers: { 'content-type': 'text/plain' } });
	}

	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	return response;
};

export const handleError: HandleServerError = ({ error, status, message }) => {
	if (status === 404) return { message: 'Not found', code: 'not_found' };
	// SvelteKit's own refusals of a request (a path that is not valid percent-encoding, a method a page does not
	// take) are the client's mistake, not an unexpected error of ours.
	if (status < 500) return { message, code: 'bad_request' };
	const pub = toPublicError(error);
	return { message: pub.status < 500 ? pub.body.reason : message, code: pub.body.error };
};
