/**
 * The browser's side of the supervisors' conflict inbox (issue 02): list conflicts and resolve one through
 * /api/conflicts. Answers are parsed here, at the trust boundary, with client-side schemas of just the fields
 * the inbox shows (server modules never reach the browser bundle). Failures are ApiErrors carrying the
 * server's public reason, so the card can show the supervisor why.
 */
import { z } from 'zod';
import { workflowStatusSchema } from '../domain/status-machine';
import { prioritySchema } from '../domain/work-order';
import { PRIORITY_LABEL } from '../format';
import { ApiError, failure } from './api';

/** Which conflicts to list; mirrors the server's `?state=` filter (default open). */
export const CONFLICT_STATE_FILTERS = ['open', 'accepted', 'dismissed', 'all'] as const;
export type ConflictStateFilter = (typeof CONFLICT_STATE_FILTERS)[number];
export const DEFAULT_CONFLICT_STATE: ConflictStateFilter = 'open';

export type ConflictDecision = 'accept' | 'dismiss';

/** The server's rule for a resolution reason (resolveBodySchema), checked here first for a quick message. */
export const RESOLUTION_REASON_MIN_CHARS = 3;
export const RESOLUTION_REASON_MAX_CHARS = 1000;

/**
 * Fired on `window` when the conflict list may have changed elsewhere (the live board connection, another
 * supervisor); the inbox page re-fetches when it hears it.
 */
export const CONFLICTS_CHANGED_EVENT = 'fw:conflicts-changed';

export function notifyConflictsChanged(target: EventTarget = window): void {
	target.dispatchEvent(new CustomEvent(CONFLICTS_CHANGED_EVENT));
}

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

/** What the crew did. The payload stays loose: new action types must not break the inbox (describeAction falls back). */
const fieldActionSideSchema = z.object({
	action: z.string(),
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

async function send(url: string, init: RequestInit, fetcher: typeof fetch): Promise<Response> {
	let res: Response;
	try {
		res = await fetcher(url, init);
	} catch (e) {
		// A cancelled refresh is not an error: the caller started a newer one and ignores this.
		if (init.signal?.aborted) throw e;
		throw new ApiError(0, NO_CONNECTION);
	}
	if (!res.ok) throw await failure(res);
	return res;
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
	const res = await send(`/api/conflicts?state=${encodeURIComponent(state)}`, { signal: options.signal }, fetcher);
	return parseAnswer(listResponseSchema, res, await res.json(), 'a conflict list').conflicts;
}

export async function resolveConflict(
	id: string,
	decision: ConflictDecision,
	reason: string,
	fetcher: typeof fetch = fetch
): Promise<ConflictDoc> {
	const res = await send(
		`/api/conflicts/${encodeURIComponent(id)}/resolve`,
		{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision, reason: reason.trim() }) },
		fetcher
	);
	return parseAnswer(resolveResponseSchema, res, await res.json(), 'a resolved conflict').conflict;
}

/** The client-side check of a resolution reason: the message to show, or null when it is fine. */
export function checkResolutionReason(reason: string): string | null {
	const length = reason.trim().length;
	if (length < RESOLUTION_REASON_MIN_CHARS) return `Give a reason (at least ${RESOLUTION_REASON_MIN_CHARS} characters): it is kept in the order's history`;
	if (length > RESOLUTION_REASON_MAX_CHARS) return `Keep the reason under ${RESOLUTION_REASON_MAX_CHARS} characters (it has ${length})`;
	return null;
}

export interface ActionDescription {
	/** One line in words: "Closed: fixed", "Rerouted to crew dpw-2", "On site". */
	summary: string;
	/** The payload's fields worth reading, in order. */
	details: { label: string; value: string }[];
}

const textOpt = z.string().optional();
const payloadShapes = {
	note: z.object({ text: z.string(), visibility: z.string() }),
	photo: z.object({ kind: z.string(), caption: textOpt }),
	close: z.object({ resolution_code: z.string(), public_note: textOpt, after_photo: textOpt }),
	reroute: z.object({
		to: z.union([z.object({ kind: z.literal('crew'), crew: z.string() }), z.object({ kind: z.literal('department'), department: z.string() })]),
		reason: z.string()
	}),
	duplicate: z.object({ of: z.string(), note: textOpt }),
	assign: z.object({ crew: z.string() }),
	unassign: z.object({ reason: textOpt }),
	set_priority: z.object({ priority: prioritySchema })
};

/** "set_service_type" → "Set service type": the words for an action this page has no wording for. */
function fallbackWords(action: string): string {
	const words = action.replaceAll('_', ' ');
	return words.charAt(0).toUpperCase() + words.slice(1);
}

function detail(label: string, value: string | undefined): { label: string; value: string }[] {
	return value && value.trim() ? [{ label, value }] : [];
}

/**
 * What a field action did, in words. Payloads are read defensively (safeParse): an action type or payload
 * this page does not know is still shown, by its name.
 */
export function describeAction(action: string, payload: Record<string, unknown>): ActionDescription {
	const plain = { summary: fallbackWords(action), details: [] };
	switch (action) {
		case 'en_route':
			return { summary: 'En route', details: [] };
		case 'on_site':
			return { summary: 'On site', details: [] };
		case 'position':
			return { summary: 'Position report', details: [] };
		case 'note': {
			const p = payloadShapes.note.safeParse(payload);
			return p.success ? { summary: `Note (${p.data.visibility})`, details: detail('Text', p.data.text) } : plain;
		}
		case 'photo': {
			const p = payloadShapes.photo.safeParse(payload);
			return p.success ? { summary: `Photo (${p.data.kind})`, details: detail('Caption', p.data.caption) } : plain;
		}
		case 'close': {
			const p = payloadShapes.close.safeParse(payload);
			if (!p.success) return { summary: 'Closed', details: [] };
			return {
				summary: `Closed: ${p.data.resolution_code}`,
				details: [
					{ label: 'Resolution code', value: p.data.resolution_code },
					...detail('Public note', p.data.public_note),
					...detail('After photo', p.data.after_photo)
				]
			};
		}
		case 'reroute': {
			const p = payloadShapes.reroute.safeParse(payload);
			if (!p.success) return { summary: 'Rerouted', details: [] };
			const to = p.data.to.kind === 'crew' ? `crew ${p.data.to.crew}` : `department ${p.data.to.department}`;
			return { summary: `Rerouted to ${to}`, details: detail('Reason', p.data.reason) };
		}
		case 'duplicate': {
			const p = payloadShapes.duplicate.safeParse(payload);
			return p.success ? { summary: `Marked duplicate of #${p.data.of}`, details: detail('Note', p.data.note) } : plain;
		}
		case 'assign': {
			const p = payloadShapes.assign.safeParse(payload);
			return p.success ? { summary: `Assigned to crew ${p.data.crew}`, details: [] } : plain;
		}
		case 'unassign': {
			const p = payloadShapes.unassign.safeParse(payload);
			return { summary: 'Unassigned', details: p.success ? detail('Reason', p.data.reason) : [] };
		}
		case 'set_priority': {
			const p = payloadShapes.set_priority.safeParse(payload);
			return p.success ? { summary: `Priority set to ${PRIORITY_LABEL[p.data.priority]}`, details: [] } : plain;
		}
		default:
			return plain;
	}
}
