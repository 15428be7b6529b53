/**
 * Named error classes and the one place that maps them to HTTP status codes (DESIGN.md style 4).
 * Clients get public-safe messages; anything unexpected becomes a 500 with a generic message and a log line.
 */
import type { ZodError } from 'zod';

export class AppError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string
	) {
		super(message);
	}
}

export class BadRequestError extends AppError {
	override name = 'BadRequestError';
	constructor(message: string) {
		super(400, 'bad_request', message);
	}
}
export class UnauthorizedError extends AppError {
	override name = 'UnauthorizedError';
	constructor(message = 'Sign in first') {
		super(401, 'unauthorized', message);
	}
}
export class ForbiddenError extends AppError {
	override name = 'ForbiddenError';
	constructor(message = 'You may not do that') {
		super(403, 'forbidden', message);
	}
}
export class NotFoundError extends AppError {
	override name = 'NotFoundError';
	constructor(message = 'Not found') {
		super(404, 'not_found', message);
	}
}
/** The request is valid but the state it acts on does not allow it (already resolved, changed meanwhile). */
export class StateConflictError extends AppError {
	override name = 'StateConflictError';
	constructor(message: string) {
		super(409, 'conflict', message);
	}
}
export class PayloadTooLargeError extends AppError {
	override name = 'PayloadTooLargeError';
	constructor(message: string) {
		super(413, 'too_large', message);
	}
}
export class TooManyRequestsError extends AppError {
	override name = 'TooManyRequestsError';
	constructor(
		message: string,
		readonly retryAfterSeconds: number
	) {
		super(429, 'too_many_requests', message);
	}
}
/** Something this server prepares in the background (the reports' figures) is not ready yet. */
export class NotReadyError extends AppError {
	override name = 'NotReadyError';
	constructor(
		message: string,
		readonly retryAfterSeconds: number
	) {
		super(503, 'not_ready', message);
	}
}
export class StoreUnavailableError extends AppError {
	override name = 'StoreUnavailableError';
	/** What clients are told: the message itself names the store's address, which is for the log only. */
	static readonly PUBLIC_REASON = 'The data store is not reachable; try again shortly';
	constructor(message = StoreUnavailableError.PUBLIC_REASON) {
		super(503, 'store_unavailable', message);
	}
}

/** A readable one-line reason from a zod error: "password: Required; username: too short". */
export function describeZodError(error: ZodError): string {
	return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export interface PublicError {
	status: number;
	body: { error: string; reason: string };
	headers: Record<string, string>;
}

export function toPublicError(error: unknown): PublicError {
	if (error instanceof StoreUnavailableError) {
		console.error(`[store] ${error.message}`);
		return { status: 503, body: { error: error.code, reason: StoreUnavailableError.PUBLIC_REASON }, headers: {} };
	}
	if (error instanceof AppError) {
		const headers: Record<string, string> = {};
		if (error instanceof TooManyRequestsError || error instanceof NotReadyError) headers['retry-after'] = String(error.retryAfterSeconds);
		return { status: error.status, body: { error: error.code, reason: error.message }, headers };
	}
	console.error('[error] unexpected', error);
	return { status: 500, body: { error: 'internal', reason: 'Something went wrong on our side' }, headers: {} };
}
