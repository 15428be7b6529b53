/**
 * Bounded request bodies for the gateway: the declared Content-Length is checked first, then the bytes
 * actually read (a chunked body declares none), so no request can make the server hold more than the limit.
 */
import { BadRequestError, PayloadTooLargeError } from '../errors';

/** Largest body of a read-side request (_revs_diff, _bulk_get, _all_docs keys, _changes doc_ids): 1 MB. */
export const MAX_SYNC_READ_BODY_BYTES = 1024 * 1024;
/** Largest replication checkpoint (_local) document: 64 KB (PouchDB's are well under 10 KB). */
export const MAX_LOCAL_DOC_BYTES = 64 * 1024;

const HTTP_PAYLOAD_TOO_LARGE = 413;

const tooLarge = (maxBytes: number) => new PayloadTooLargeError(`the request body is larger than ${maxBytes} bytes`);

/** adapter-node's own limit (BODY_SIZE_LIMIT) errors the body stream with a status-413 SvelteKitError. */
function isBodyLimitError(e: unknown): boolean {
	return typeof e === 'object' && e !== null && 'status' in e && e.status === HTTP_PAYLOAD_TOO_LARGE;
}

export async function readBoundedBody(request: Request, maxBytes: number): Promise<Uint8Array> {
	const declared = request.headers.get('content-length');
	if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
	if (!request.body) return new Uint8Array(0);
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.byteLength;
			if (total > maxBytes) {
				// Not reader.cancel(): that destroys the socket and the tablet would see a reset instead of the
				// 413. The rest stays unread; the answer closes the connection (gateway.ts).
				reader.releaseLock();
				throw tooLarge(maxBytes);
			}
			chunks.push(value);
		}
	} catch (e) {
		if (e instanceof PayloadTooLargeError) throw e;
		if (isBodyLimitError(e)) throw tooLarge(maxBytes);
		throw new BadRequestError('the request body could not be read');
	}
	const out = new Uint8Array(total);
	let offset = 0;
	for (const chunk of chunks) {
		out.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return out;
}

/** A JSON body (Content-Type: application/json, as PouchDB sends), bounded. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (type !== 'application/json') throw new BadRequestError('send a JSON body with Content-Type: application/json');
	const bytes = await readBoundedBody(request, maxBytes);
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw new BadRequestError('the body is not valid UTF-8');
	}
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new BadRequestError('the body is not valid JSON');
	}
}
