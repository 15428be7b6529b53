/**
 * Named errors of the tablet's data layer and the one classification of replication errors into what a crew
 * member can understand (DESIGN.md style 4). Pure: no I/O.
 */

/** recordAction refused its input: nothing was written. `issues` are the schema's complaints, one per line. */
export class InvalidActionError extends Error {
	override name = 'InvalidActionError';
	constructor(
		message: string,
		readonly issues: readonly string[] = []
	) {
		super(issues.length > 0 ? `${message}: ${issues.join('; ')}` : message);
	}
}

/**
 * The device's storage quota is used up (IndexedDB's QuotaExceededError). The write that hit it did not happen;
 * everything saved before it is still there (IndexedDB transactions are atomic).
 */
export class StorageFullError extends Error {
	override name = 'StorageFullError';
	constructor(options?: { cause?: unknown }) {
		super("This tablet's storage is full: the last change was NOT saved. Free some space and try again; nothing saved before is lost.", options);
	}
}

const QUOTA_NAMES = ['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED'];
const DOM_QUOTA_EXCEEDED_CODE = 22; // legacy DOMException code of QuotaExceededError

const field = (e: unknown, key: string): unknown =>
	typeof e === 'object' && e !== null && key in e ? (e as Record<string, unknown>)[key] : undefined;
const text = (e: unknown, key: string): string | null => {
	const v = field(e, key);
	return typeof v === 'string' ? v : null;
};

/**
 * Whether an error is the storage quota running out: a DOMException named QuotaExceededError (Firefox:
 * NS_ERROR_DOM_QUOTA_REACHED), or PouchDB's idb adapter wrapping it as `indexed_db_went_bad` with the DOM
 * error's name as its reason.
 */
export function isQuotaExceeded(e: unknown): boolean {
	if (e instanceof StorageFullError) return true;
	const names = [text(e, 'name'), text(e, 'reason'), text(e, 'message')];
	if (names.some((n) => n !== null && QUOTA_NAMES.some((q) => n.includes(q)))) return true;
	// Older engines name it only by its legacy numeric code (Node's system errors use string codes).
	return field(e, 'code') === DOM_QUOTA_EXCEEDED_CODE;
}

export type Direction = 'push' | 'pull';

export type SyncErrorKind =
	/** 401: the session (or device token) is gone; signing in again fixes it. Replication stops. */
	| 'signed_out'
	/** 403: the gateway refuses this user or a document. Replication stops. */
	| 'not_allowed'
	/** 413: a request was larger than the gateway accepts. */
	| 'too_large'
	/** Any other 4xx: the gateway refused a request. */
	| 'rejected'
	/** 5xx: the server (or a proxy in front of it) failed. */
	| 'server'
	/** No HTTP answer at all: no network, server down, captive portal. */
	| 'unreachable'
	/** The device ran out of storage while saving what it received. */
	| 'storage_full'
	| 'unknown';

export interface SyncError {
	kind: SyncErrorKind;
	/** A message a crew member can act on. */
	message: string;
	/** The HTTP status, when there was an answer. */
	status: number | null;
	direction: Direction | null;
	/** The server's reason or the error's own message, for support. */
	detail: string | null;
	at: string;
}

const HTTP_UNAUTHORIZED = 401;
const HTTP_FORBIDDEN = 403;
const HTTP_PAYLOAD_TOO_LARGE = 413;
const HTTP_CLIENT_ERROR_MIN = 400;
const HTTP_SERVER_ERROR_MIN = 500;
const MAX_DETAIL_CHARS = 300;

/** Kinds that stop replication until the user does something (PouchDB itself stops on 401/403). */
export const FATAL_SYNC_ERROR_KINDS: readonly SyncErrorKind[] = ['signed_out', 'not_allowed'];

function kindOf(e: unknown): { kind: SyncErrorKind; status: number | null } {
	if (isQuotaExceeded(e)) return { kind: 'storage_full', status: null };
	const name = (text(e, 'name') ?? '').toLowerCase();
	const status = field(e, 'status');
	// PouchDB gives a status to every error it builds from an HTTP answer; fetch failures have none.
	if (typeof status !== 'number') {
		if (name === 'unauthorized') return { kind: 'signed_out', status: HTTP_UNAUTHORIZED };
		if (name === 'forbidden') return { kind: 'not_allowed', status: HTTP_FORBIDDEN };
		return { kind: 'unreachable', status: null };
	}
	if (status === HTTP_UNAUTHORIZED || name === 'unauthorized') return { kind: 'signed_out', status };
	if (status === HTTP_FORBIDDEN || name === 'forbidden') return { kind: 'not_allowed', status };
	if (status === HTTP_PAYLOAD_TOO_LARGE) return { kind: 'too_large', status };
	if (status >= HTTP_CLIENT_ERROR_MIN && status < HTTP_SERVER_ERROR_MIN) return { kind: 'rejected', status };
	if (status >= HTTP_SERVER_ERROR_MIN) return { kind: 'server', status };
	return { kind: 'unknown', status };
}

function messageOf(kind: SyncErrorKind, status: number | null, detail: string | null): string {
	const because = detail ? ` (${detail})` : '';
	switch (kind) {
		case 'signed_out':
			return 'You are signed out. Sign in again to sync; nothing recorded on this tablet is lost.';
		case 'not_allowed':
			return `The server does not allow this tablet to sync${because}. Nothing recorded on this tablet is lost; ask a supervisor.`;
		case 'too_large':
			return `An upload was too large for the server${because}.`;
		case 'rejected':
			return `The server refused an upload${because}.`;
		case 'server':
			return `The server is having trouble (HTTP ${status ?? '?'}).`;
		case 'unreachable':
			return 'No connection to the server.';
		case 'storage_full':
			return "This tablet's storage is full: free some space so syncing can continue. Nothing saved is lost.";
		case 'unknown':
			return `Sync failed${because}.`;
	}
}

/** Maps anything PouchDB (or fetch, or IndexedDB) throws during replication to a SyncError. */
export function classifySyncError(e: unknown, direction: Direction | null, at: string): SyncError {
	const { kind, status } = kindOf(e);
	const raw = text(e, 'reason') ?? text(e, 'message');
	const detail = raw && raw !== 'unknown' ? raw.slice(0, MAX_DETAIL_CHARS) : null;
	return { kind, message: messageOf(kind, status, detail), status, direction, detail, at };
}
