/**
 * The changes follower (src/lib/server/sync/follow.ts) against a fake database: what the chaos run's server
 * logs showed (docs/chaos.md) — an idle long poll on the embedded store is ended and asked again instead of
 * failing after the HTTP client's body timeout, and a shared checkpoint another server keeps saving first does
 * not make a handled batch fail and be handled again.
 */
import { describe, expect, it } from 'vitest';
import { CouchError, type ChangesResponse, type CouchDatabase } from '../../../src/lib/server/store/couch-client';
import { follow, type Change } from '../../../src/lib/server/sync/follow';

const POLL_TIMEOUT_MS = 50;
const SETTLE_MS = 1000; // many poll timeouts, even on a busy machine

type Answer = ChangesResponse<unknown> | 'hang';

/** A database whose long polls answer from `answers` in turn, then hang until aborted (as express-pouchdb does). */
function fakeDb(answers: Answer[], put: () => Promise<{ rev: string }>) {
	const calls = { changes: 0, puts: 0 };
	const db = {
		changes: (_query: unknown, signal?: AbortSignal) => {
			calls.changes++;
			const answer = answers.shift() ?? 'hang';
			if (answer !== 'hang') return Promise.resolve(answer);
			return new Promise((_resolve, reject) => {
				signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
			});
		},
		get: () => Promise.resolve({ _id: '_local/test', _rev: '0-7', last_seq: 0 }),
		put: () => {
			calls.puts++;
			return put();
		}
	};
	return { db: db as unknown as CouchDatabase, calls };
}

const change = (seq: number): Change<unknown> => ({ seq, id: `doc-${seq}`, changes: [{ rev: '1-a' }], doc: { _id: `doc-${seq}` } });

async function run(db: CouchDatabase): Promise<{ handled: string[]; errors: unknown[] }> {
	const handled: string[] = [];
	const errors: unknown[] = [];
	const stop = new AbortController();
	const following = follow({
		db,
		checkpoint: 'test',
		signal: stop.signal,
		pollTimeoutMs: POLL_TIMEOUT_MS,
		onError: (e) => errors.push(e),
		handle: async (changes) => {
			handled.push(...changes.map((c) => c.id));
		}
	});
	await new Promise((r) => setTimeout(r, SETTLE_MS));
	stop.abort();
	await following;
	return { handled, errors };
}

describe('follow', () => {
	it('ends an idle long poll and asks again, without reporting an error', async () => {
		const { db, calls } = fakeDb(['hang', 'hang', { results: [change(1)], last_seq: 1 }], () => Promise.resolve({ rev: '0-8' }));
		const { handled, errors } = await run(db);
		expect(handled).toEqual(['doc-1']);
		expect(errors).toEqual([]);
		expect(calls.changes).toBeGreaterThan(3);
	});

	it('a checkpoint another process keeps saving first does not fail the batch it follows', async () => {
		const conflict = () => Promise.reject(new CouchError(409, 'conflict', 'Document update conflict', '/db/_local/test'));
		const { db, calls } = fakeDb([{ results: [change(1), change(2)], last_seq: 2 }], conflict);
		const { handled, errors } = await run(db);
		expect(handled).toEqual(['doc-1', 'doc-2']); // once: the batch is not handled again
		expect(errors).toEqual([]);
		expect(calls.puts).toBeGreaterThan(1); // it did try, and gave up saving quietly
	});
});
