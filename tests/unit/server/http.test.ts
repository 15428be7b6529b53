/**
 * The shared request-body helpers (src/lib/server/http.ts): JSON bodies are bounded and well-formed text, and an
 * unread body can be dropped before an answer. Regressions of bugs found by fuzzing (tests/integration/fuzz.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../src/lib/server/errors';
import { discardUnreadBody, readJson } from '../../../src/lib/server/http';

const post = (body: BodyInit, type = 'application/json') => new Request('http://app.test/api/x', { method: 'POST', headers: { 'content-type': type }, body });

describe('readJson', () => {
	it('refuses a string with an unpaired surrogate escape, in a value or a key, with a 400 (it made a 500 from the store client)', async () => {
		for (const body of ['{"service_code":"\\ud800"}', '{"a":["ok",{"b":"x\\udc00"}]}', '{"\\udbff":1}', '["\\ude00\\ud83d"]']) {
			await expect(readJson(post(body)), body).rejects.toThrow(BadRequestError);
			await expect(readJson(post(body)), body).rejects.toThrow(/not valid Unicode/);
		}
	});

	it('takes paired surrogates (emoji) and deep nesting as they are', async () => {
		expect(await readJson(post('{"text":"\\ud83d\\ude00 ok 😀"}'))).toEqual({ text: '😀 ok 😀' });
		const deep = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
		expect(await readJson(post(deep))).toBeInstanceOf(Array);
	});
});

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
