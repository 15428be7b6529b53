/**
 * Failed sign-in throttling, kept in the store so every app server sees the same counts (DESIGN.md point 6).
 * Keyed by username and client address: a wrong guess from one place cannot lock a crew out everywhere.
 */
import { createHash } from 'node:crypto';
import { TooManyRequestsError } from '../errors';
import { isConflict, type CouchClient } from '../store/couch-client';
import { DIRECTORY_DB } from '../store/schema';

interface ThrottleDoc {
	_id: string;
	_rev?: string;
	type: 'login_throttle';
	failures: number;
	window_start: number; // ms since epoch
	locked_until: number; // ms since epoch; 0 when not locked
}

export interface ThrottlePolicy {
	maxFailures: number;
	lockoutMs: number;
}

const throttleId = (username: string, address: string) =>
	`throttle:${createHash('sha256').update(`${username}\n${address}`).digest('hex').slice(0, 32)}`;

export async function assertNotLocked(store: CouchClient, username: string, address: string, now: number): Promise<void> {
	const doc = await store.db(DIRECTORY_DB).getOrNull<ThrottleDoc>(throttleId(username, address));
	if (doc && doc.locked_until > now) {
		const seconds = Math.ceil((doc.locked_until - now) / 1000);
		throw new TooManyRequestsError(`Too many failed sign-ins. Try again in ${Math.ceil(seconds / 60)} minute(s).`, seconds);
	}
}

export async function recordFailure(
	store: CouchClient,
	username: string,
	address: string,
	now: number,
	policy: ThrottlePolicy
): Promise<void> {
	const db = store.db(DIRECTORY_DB);
	const id = throttleId(username, address);
	// Optimistic concurrency: retry on 409 so parallel failures are all counted.
	for (let attempt = 0; attempt < 5; attempt++) {
		const doc = (await db.getOrNull<ThrottleDoc>(id)) ?? {
			_id: id,
			type: 'login_throttle' as const,
			failures: 0,
			window_start: now,
			locked_until: 0
		};
		const expired = now - doc.window_start > policy.lockoutMs;
		const failures = (expired ? 0 : doc.failures) + 1;
		const next: ThrottleDoc = {
			...doc,
			failures,
			window_start: expired ? now : doc.window_start,
			locked_until: failures >= policy.maxFailures ? now + policy.lockoutMs : 0
		};
		try {
			await db.put(next);
			return;
		} catch (e) {
			if (!isConflict(e)) throw e;
		}
	}
}

export async function clearFailures(store: CouchClient, username: string, address: string): Promise<void> {
	const db = store.db(DIRECTORY_DB);
	const doc = await db.getOrNull<ThrottleDoc>(throttleId(username, address));
	if (!doc?._rev) return;
	try {
		await db.remove(doc._id, doc._rev);
	} catch (e) {
		// Another request cleared or bumped it meanwhile; the next failure starts from that state.
		if (!isConflict(e)) throw e;
	}
}
