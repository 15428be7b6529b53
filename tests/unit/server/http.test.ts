/**
 * The shared request-body helpers (src/lib/server/http.ts): an unread body can be dropped before an answer. Regressions of bugs found by fuzzing (tests/integration/fuzz.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { discardUnreadBody } from '../../../src/lib/server/http';

const post = (body: BodyInit, type = 'application/json') => new Request('http://app.test/api/x', { method: 'POST', headers: { 'content-type': type }, body });

describe('discardUnreadBody', () => {
	it('reads a body nobody read; says false when it is over the limit; true when there is none or it was read', async () => {
		expect(await discardUnreadBody(post('x'.repeat(1000)), 1000)).toBe(true);
		expect(await discardUnreadBody(post('x'.repeat(1001)), 1000)).toBe(false);
		expect(await discardUnreadBody(new Request('http://app.test/'))).toBe(true);
		const read = post('{}');
		await read.text();
		expect(await discardUnreadBody(read)).toBe(true);
	});
});
