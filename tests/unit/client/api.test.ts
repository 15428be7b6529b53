import { describe, expect, it } from 'vitest';
import { ApiError, NO_CONNECTION, apiRequest } from '../../../src/lib/client/api';
import { payloadDetails } from '../../../src/lib/client/conflicts';

/** A fetch that answers like the server would (or fails like a dropped connection). */
const answering = (status: number, body: unknown, seen: RequestInit[] = []) =>
	(async (_url: string | URL | Request, init?: RequestInit) => {
		seen.push(init ?? {});
		return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
	}) as typeof fetch;

describe('apiRequest', () => {
	it('sends JSON as a POST and returns the answer', async () => {
		const seen: RequestInit[] = [];
		const res = await apiRequest('/api/x', { json: { a: 1 } }, answering(200, { ok: true }, seen));
		expect(await res.json()).toEqual({ ok: true });
		expect(seen[0]).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
	});

	it('a refusal carries the server\'s reason; a non-JSON error page its status', async () => {
		await expect(apiRequest('/api/x', {}, answering(400, { error: 'bad_request', reason: 'crew: required' }))).rejects.toEqual(new ApiError(400, 'crew: required'));
		await expect(apiRequest('/api/x', {}, answering(502, '<html>bad gateway</html>'))).rejects.toMatchObject({ status: 502, message: 'The server answered 502' });
	});

	it('no connection is status 0 with the caller\'s message; an abort stays an abort', async () => {
		const down = (async () => {
			throw new TypeError('Failed to fetch');
		}) as typeof fetch;
		await expect(apiRequest('/api/x', {}, down)).rejects.toMatchObject({ status: 0, message: NO_CONNECTION });
		await expect(apiRequest('/api/x', { offline: 'Sign in online first' }, down)).rejects.toMatchObject({ status: 0, message: 'Sign in online first' });
		const ac = new AbortController();
		ac.abort();
		const aborting = (async () => {
			throw new DOMException('aborted', 'AbortError');
		}) as typeof fetch;
		await expect(apiRequest('/api/x', { signal: ac.signal }, aborting)).rejects.toMatchObject({ name: 'AbortError' });
	});
});

describe('payloadDetails (conflict cards)', () => {
	it('lists the plain fields in words, without file names or what the summary says', () => {
		expect(payloadDetails({ resolution_code: 'fixed', public_note: 'Painted over', after_photo: 'after.jpg' })).toEqual([
			{ label: 'Resolution code', value: 'fixed' },
			{ label: 'Public note', value: 'Painted over' }
		]);
		expect(payloadDetails({ to: { kind: 'crew', crew: 'x' }, reason: 'closer crew' })).toEqual([{ label: 'Reason', value: 'closer crew' }]);
		expect(payloadDetails({ public_note: '  ' })).toEqual([]);
	});
});
