import { getContext } from '$lib/server/context';
import { readUnsubscribeToken, suppress } from '$lib/server/notify/unsubscribe';
import type { RequestHandler } from './$types';

/**
 * The same link for clients that are not browsers (SvelteKit sends requests that do not ask for HTML here;
 * browsers get +page.svelte). POST is RFC 8058 one-click unsubscribe: mail clients post the body
 * "List-Unsubscribe=One-Click" (form-encoded, no cookies, no Origin) to the List-Unsubscribe URL the mailer
 * puts in every message (notify/mailer.ts). GET only explains: link scanners must never unsubscribe anyone.
 */
const ONE_CLICK_FIELD = 'List-Unsubscribe';
const ONE_CLICK_VALUE = 'One-Click';
const MAX_BODY_BYTES = 1024;

const text = (status: number, body: string) => new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
const INVALID = 'This unsubscribe link is not valid: nothing was changed.';

export const GET: RequestHandler = ({ params }) =>
	readUnsubscribeToken(getContext().sessionSecret, params.token) ? text(200, 'Open this link in a browser to stop 311 e-mails, or POST "List-Unsubscribe=One-Click" to it (RFC 8058).') : text(400, INVALID);

export const POST: RequestHandler = async ({ params, request }) => {
	const ctx = getContext();
	const email = readUnsubscribeToken(ctx.sessionSecret, params.token);
	if (!email) return text(400, INVALID);
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (Number(request.headers.get('content-length') ?? '0') > MAX_BODY_BYTES) return text(413, 'The body is too large for an unsubscribe request.');
	let oneClick = false;
	if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
		try {
			oneClick = (await request.formData()).get(ONE_CLICK_FIELD) === ONE_CLICK_VALUE;
		} catch {
			oneClick = false; // an unreadable body is not a one-click request: answered below
		}
	}
	if (!oneClick) return text(400, `Send "${ONE_CLICK_FIELD}=${ONE_CLICK_VALUE}" as application/x-www-form-urlencoded (RFC 8058).`);
	await suppress(ctx.store, email);
	return text(200, 'Unsubscribed: no more 311 e-mails will be sent to this address.');
};
