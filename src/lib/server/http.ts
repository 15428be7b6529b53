/** Helpers for thin +server.ts handlers: bounded JSON bodies and one error mapping. */
import { json, type RequestEvent } from '@sveltejs/kit';
import { BadRequestError, PayloadTooLargeError, toPublicError } from './errors';

export const MAX_JSON_BODY_BYTES = 64 * 1024; // 64 KB: plenty for any form-like API body

export async function readJson(request: Request, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
	const type = request.headers.get('content-type') ?? '';
	if (!type.toLowerCase().startsWith('application/json')) {
		throw new BadRequestError('send a JSON body with Content-Type: application/json');
	}
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > maxBytes) throw new PayloadTooLargeError(`the body is larger than ${maxBytes} bytes`);
	const text = await request.text();
	if (Buffer.byteLength(text) > maxBytes) throw new PayloadTooLargeError(`the body is larger than ${maxBytes} bytes`);
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new BadRequestError('the body is not valid JSON');
	}
}

/** Runs an API handler and turns any error into a CouchDB-style {error, reason} JSON answer. */
export function api(handler: (event: RequestEvent) => Promise<Response>) {
	return async (event: RequestEvent): Promise<Response> => {
		try {
			return await handler(event);
		} catch (e) {
			// SvelteKit's redirect()/error() objects pass through untouched.
			if (e && typeof e === 'object' && 'status' in e && ('location' in e || 'body' in e) && !(e instanceof Error)) throw e;
			const pub = toPublicError(e);
			return json(pub.body, { status: pub.status, headers: pub.headers });
		}
	};
}
