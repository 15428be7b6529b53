/**
 * Follows a database's _changes feed (longpoll) from a checkpoint kept in a _local document of that
 * database, handing each batch to a handler. At-least-once: the handler must be idempotent (it is: the
 * projector compares revisions, the runner records action ids). Survives a store outage with backoff.
 * Without a checkpoint name (the board's live feed) progress is kept in memory, starting at the
 * database's end when following starts.
 */
import { StoreUnavailableError } from '../errors';
import type { ChangesResponse, CouchDatabase } from '../store/couch-client';
import { isConflict, isNotFound } from '../store/couch-client';

export const CHANGES_BATCH = 200; // changes per request
const HEARTBEAT_MS = 10_000; // keeps proxies from closing an idle longpoll
const LONGPOLL_TIMEOUT_MS = 30_000; // CouchDB answers an empty longpoll after this (express-pouchdb ignores it)
/**
 * express-pouchdb ignores `timeout` and sends no heartbeat on a long poll, so an idle one would wait until
 * the HTTP client's body timeout (undici: 5 minutes) cut it with an error. It is ended here instead, quietly,
 * and asked again.
 */
const LONGPOLL_ABORT_MS = 2 * LONGPOLL_TIMEOUT_MS;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;
const CHECKPOINT_RETRIES = 5;

type Seq = string | number;
export type Change<T> = ChangesResponse<T>['results'][number];

interface Checkpoint {
	_id: string;
	_rev?: string;
	last_seq: Seq;
}

export interface FollowOptions<T> {
	db: CouchDatabase;
	/**
	 * Name of the checkpoint (`_local/<name>`); processes sharing a name share progress. null: progress in
	 * memory only, from the database's end at the start (only changes from now on).
	 */
	checkpoint: string | null;
	/** With checkpoint null: called once the starting point is fixed (changes after this are seen). */
	onStart?(): void;
	/** With checkpoint null: where to start instead of the database's end (0: every document). */
	since?: Seq;
	/** Called after each answer that had fewer changes than asked for: the feed has caught up. */
	onCaughtUp?(): void;
	signal: AbortSignal;
	handle(changes: Change<T>[]): Promise<void>;
	/** Called when a batch fails for a reason other than the store being down (logged, retried). */
	onError?(error: unknown): void;
	/** How long one long poll may wait before it is ended and asked again (tests shorten it). */
	pollTimeoutMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		const t = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
	});

async function readCheckpoint(db: CouchDatabase, id: string): Promise<Checkpoint> {
	try {
		return await db.get<Checkpoint>(id);
	} catch (e) {
		if (isNotFound(e)) return { _id: id, last_seq: 0 };
		throw e;
	}
}

/**
 * Saves progress. Processes that follow the same feed share the checkpoint: when another one saved it
 * meanwhile (409), ours is written over theirs — every change up to our seq is handled, and handling is
 * idempotent, so either value is safe. Two servers handling the same batches save at the same moments; if
 * the other keeps winning, this save is skipped (progress stays in memory; the next batch saves it) rather
 * than failing a batch that was handled (found by npm run chaos with two servers: batches handled again).
 */
async function saveCheckpoint(db: CouchDatabase, next: Checkpoint): Promise<Checkpoint> {
	for (let attempt = 0; ; attempt++) {
		try {
			const saved: { rev: string } = await db.put(next);
			return { ...next, _rev: saved.rev };
		} catch (e) {
			if (!isConflict(e)) throw e;
			const current = await readCheckpoint(db, next._id);
			next = { ...next, _rev: current._rev };
			if (attempt >= CHECKPOINT_RETRIES) return next;
		}
	}
}

/** One long poll of the feed; null when it waited its time without an answer (it is ended, not failed). */
async function longPoll<T>(opts: FollowOptions<T>, since: Seq): Promise<ChangesResponse<T> | null> {
	const poll = new AbortController();
	let timedOut = false;
	const stop = () => poll.abort();
	opts.signal.addEventListener('abort', stop, { once: true });
	const timer = setTimeout(() => {
		timedOut = true;
		poll.abort();
	}, opts.pollTimeoutMs ?? LONGPOLL_ABORT_MS);
	try {
		return await opts.db.changes<T>(
			{ feed: 'longpoll', since, include_docs: true, limit: CHANGES_BATCH, heartbeat: HEARTBEAT_MS, timeout: LONGPOLL_TIMEOUT_MS },
			poll.signal
		);
	} catch (e) {
		if (timedOut && !opts.signal.aborted) return null;
		throw e;
	} finally {
		clearTimeout(timer);
		opts.signal.removeEventListener('abort', stop);
	}
}

export async function follow<T>(opts: FollowOptions<T>): Promise<void> {
	const id = opts.checkpoint === null ? null : `_local/${opts.checkpoint}`;
	let delay = RETRY_MIN_MS;
	let checkpoint: Checkpoint | null = null;
	while (!opts.signal.aborted) {
		try {
			if (!checkpoint) {
				if (id) checkpoint = await readCheckpoint(opts.db, id);
				else {
					checkpoint = { _id: '', last_seq: opts.since ?? (await opts.db.info()).update_seq };
					opts.onStart?.();
				}
			}
			const res: ChangesResponse<T> | null = await longPoll(opts, checkpoint.last_seq);
			if (!res) continue; // an idle long poll we ended: ask again
			if (res.results.length > 0) await opts.handle(res.results);
			if (res.results.length < CHANGES_BATCH) opts.onCaughtUp?.();
			if (String(res.last_seq) !== String(checkpoint.last_seq)) {
				checkpoint = id ? await saveCheckpoint(opts.db, { ...checkpoint, last_seq: res.last_seq }) : { ...checkpoint, last_seq: res.last_seq };
			}
			delay = RETRY_MIN_MS;
		} catch (e) {
			if (opts.signal.aborted) return;
			if (!(e instanceof StoreUnavailableError)) opts.onError?.(e);
			// Re-read a shared checkpoint: another process may have moved it. An in-memory one is kept.
			if (id) checkpoint = null;
			await sleep(delay, opts.signal);
			delay = Math.min(delay * 2, RETRY_MAX_MS);
		}
	}
}
