/**
 * The browser's side of the supervisors' conflict inbox (issue 02): list conflicts and resolve one through
 * /api/conflicts. Answers are parsed here, at the trust boundary, with client-side schemas of just the fields
 * the inbox shows (server modules never reach the browser bundle). Failures are ApiErrors carrying the
 * server's public reason, so the card can show the supervisor why.
 */
import { z } from 'zod';
import { REASON_MAX_CHARS, REASON_MIN_CHARS } from '../domain/common';
import { workflowStatusSchema } from '../domain/status-machine';
import { ApiError, apiRequest } from './api';

/** Which conflicts to list; mirrors the server's `?state=` filter (default open). */
export const CONFLICT_STATE_FILTERS = ['open', 'accepted', 'dismissed', 'all'] as const;
export type ConflictStateFilter = (typeof CONFLICT_STATE_FILTERS)[number];
export const DEFAULT_CONFLICT_STATE: ConflictStateFilter = 'open';

export type ConflictDecision = 'accept' | 'dismiss';


const NO_CONNECTION = 'No connection to the server: the conflict inbox needs one. Try again when online.';

const orderAtArrivalSchema = z.object({
	status: workflowStatusSchema,
	crew: z.string().nullable(),
	updated_datetime: z.string()
});

const orderNowSchema = z.object({
	status: workflowStatusSchema,
	crew: z.string().nullable(),
	department: z.string(),
	updated_datetime: z.string(),
	service_name: z.string(),
	address: z.string().nullable()
});

/** What the crew did. The payload stays loose: new action types must not break the inbox. */
const fieldActionSideSchema = z.object({
	action: z.string(),
	summary: z.string(),
	payload: z.record(z.string(), z.unknown()),
	device_time: z.string(),
	author: z.string(),
	crew: z.string().nullable(),
	photos: z.array(z.string())
});

const resolutionSchema = z.object({
	by: z.string(),
	at: z.string(),
	decision: z.enum(['accepted', 'dismissed']),
	reason: z.string()
});

/** A conflict document as /api/conflicts/<id>/resolve answers it (no joined sides). */
export const conflictSchemaClient = z.object({
	_id: z.string().min(1),
	action_id: z.string(),
	order_id: z.string().nullable(),
	crew: z.string().nullable(),
	author: z.string(),
	action: z.string(),
	device_time: z.string(),
	/** The reducer's finding code (not_assigned, invalid_transition…); kept a string so new codes still show. */
	reason: z.string(),
	message: z.string(),
	order_at_arrival: orderAtArrivalSchema.nullable(),
	created_at: z.string(),
	state: z.enum(['open', 'accepted', 'dismissed']),
	resolution: resolutionSchema.nullable()
});
export type ConflictDoc = z.infer<typeof conflictSchemaClient>;

/** A conflict with both sides, as GET /api/conflicts lists it. */
export const conflictViewSchemaClient = conflictSchemaClient.extend({
	field_action: fieldActionSideSchema.nullable(),
	order_now: orderNowSchema.nullable()
});
export type ConflictItem = z.infer<typeof conflictViewSchemaClient>;

const listResponseSchema = z.object({ conflicts: z.array(conflictViewSchemaClient) });
const resolveResponseSchema = z.object({ conflict: conflictSchemaClient });

/** Unknown or missing `?state=` values show the open inbox, as the server's default does. */
export function parseStateFilter(param: string | null): ConflictStateFilter {
	return (CONFLICT_STATE_FILTERS as readonly string[]).includes(param ?? '') ? (param as ConflictStateFilter) : DEFAULT_CONFLICT_STATE;
}

function parseAnswer<T>(schema: z.ZodType<T>, res: Response, body: unknown, what: string): T {
	const parsed = schema.safeParse(body);
	if (!parsed.success) {
		// A server/client version skew: say so plainly instead of rendering half a card.
		throw new ApiError(res.status, `The server's answer was not ${what} this page understands (${z.prettifyError(parsed.error)})`);
	}
	return parsed.data;
}

export async function listConflicts(
	state: ConflictStateFilter,
	fetcher: typeof fetch = fetch,
	options: { signal?: AbortSignal } = {}
): Promise<ConflictItem[]> {
	const res = await apiRequest(`/api/conflicts?state=${encodeURIComponent(state)}`, { signal: options.signal, offline: NO_CONNECTION }, fetcher);
	return parseAnswer(listResponseSchema, res, await res.json(), 'a conflict list').conflicts;
}

export async function resolveConflict(
	id: string,
	decision: ConflictDecision,
	reason: string,
	fetcher: typeof fetch = fetch
): Promise<ConflictDoc> {
	const res = await apiRequest(`/api/conflicts/${encodeURIComponent(id)}/resolve`, { json: { decision, reason: reason.trim() }, offline: NO_CONNECTION }, fetcher);
	return parseAnswer(resolveResponseSchema, res, await res.json(), 'a resolved conflict').conflict;
}

/** The server's rule for a resolution reason (reasonTextSchema), checked here first: the message to show, or null. */
export function checkResolutionReason(reason: string): string | null {
	const length = reason.trim().length;
	if (length < REASON_MIN_CHARS) return `Give a reason (at least ${REASON_MIN_CHARS} characters): it is kept in the order's history`;
	if (length > REASON_MAX_CHARS) return `Keep the reason under ${REASON_MAX_CHARS} characters (it has ${length})`;
	return null;
}

const SKIPPED_FIELDS = new Set(['attachment', 'after_photo', 'to']); // file names, and what the summary says

/** "public_note" -> "Public note". */
const words = (key: string) => {
	const w = key.replaceAll('_', ' ');
	return w.charAt(0).toUpperCase() + w.slice(1);
};

/**
 * The payload's plain fields worth reading (a public note, a reason, a caption), labelled. The headline
 * comes from the server (the reducer's own summary), so new action types need nothing here.
 */
export function payloadDetails(payload: Record<string, unknown>): { label: string; value: string }[] {
	return Object.entries(payload)
		.filter(([k, v]) => !SKIPPED_FIELDS.has(k) && (typeof v === 'string' || typeof v === 'number') && String(v).trim() !== '')
		.map(([k, v]) => ({ label: words(k), value: String(v) }));
}

/** A headline for an action whose document is gone from the log: "set_priority" -> "Set priority". */
export const actionWords = words;
