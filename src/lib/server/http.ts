/** Helpers for thin +server.ts handlers: bounded JSON bodies and one error mapping. */
import { json, type RequestEvent } from '@sveltejs/kit';
import { BadRequestError, PayloadTooLargeError, toPublicError } from './errors';

export const MAX_JSON_BODY_BYTES = 64 * 1024; // 64 KB: plenty for any form-like API body
/** A body left unread by an answer (a refusal) is read and dropped up to this size; a larger one closes the connection. */
export const MAX_DISCARD_BYTES = 16 * 1024 * 1024; // 16 MB: the largest body the app reads (a sync push)

/**
 * Reads what is left of a request body and drops it, at most `maxBytes`; true when it was read to the end (or
 * there was none). An answer given before the body was read — a refusal — must not leave it unread: the
 * adapter has already started reading it, so Node never drains it, the keep-alive connection stalls until its
 * timeout and the client, still sending, gets a reset instead of the answer (found by fuzzing).
 */
export async function discardUnreadBody(request: Request, maxBytes = MAX_DISCARD_BYTES): Promise<boolean> {
	if (!request.body || request.bodyUsed) return true;
	let reader: ReadableStreamDefaultReader<Uint8Array>;
	try {
		reader = request.body.getReader();
	} catch {
		return false; // locked by a handler that still reads it: not ours to drain
	}
	let total = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return true;
			total += value.byteLength;
			// Not reader.cancel(): that destroys the socket before the answer is sent. The caller closes instead.
			if (total > maxBytes) return false;
		}
	} catch {
		return false; // the client went away, or the adapter's BODY_SIZE_LIMIT stopped the body
	} finally {
		reader.releaseLock();
	}
}

// An unpaired UTF-16 surrogate: JSON can write one ("\ud800"), no text encoding carries it and no URL can hold
// it (encodeURIComponent throws), so a document id made from it failed deep inside with a 500 (found by fuzzing).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a string anywhere in `value` (keys included) is not well-formed Unicode. Iterative: any depth. */
function hasLoneSurrogate(value: unknown): boolean {
	const pending: unknown[] = [value];
	while (pending.length > 0) {
		const v = pending.pop();
		if (typeof v === 'string') {
			if (LONE_SURROGATE.test(v)) return true;
		} else if (Array.isArray(v)) {
			for (const item of v) pending.push(item);
		} else if (v !== null && typeof v === 'object') {
			for (const [key, item] of Object.entries(v)) {
				if (LONE_SURROGATE.test(key)) return true;
				pending.push(item);
			}
		}
	}
	return false;
}

export async function readJson(request: Request, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
	const type = request.headers.get('content-type') ?? '';
	if (!type.toLowerCase().startsWith('application/json')) {
		throw new BadRequestError('send a JSON body with Content-Type: application/json');
	}
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > maxBytes) throw new PayloadTooLargeError(`the body is larger than ${maxBytes} bytes`);
	const text = await request.text();
	if (Buffer.byteLength(text) > maxBytes) throw new PayloadTooLargeError(`the body is larger than ${maxBytes} bytes`);
	let body: unknown;
	try {
		body = JSON.parse(text) as unknown;
	} catch {
		throw new BadRequestError('the body is not valid JSON');
	}
	if (hasLoneSurrogate(body)) throw new BadRequestError('the body has a string that is not valid Unicode (an unpaired \\u surrogate escape)');
	return body;
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
