/**
 * The supervisors' conflict inbox (issue 02): every action the reducer could not apply cleanly, with both
 * sides — what the crew did, and how the order stood when it arrived and stands now. A supervisor accepts
 * the action (it is applied, skipping the assignment check) or dismisses it with a reason; either way the
 * resolution is recorded on the conflict and in the order's history.
 */
import { z } from 'zod';
import {
	apply,
	conflictSchema,
	fieldActionSchema,
	reasonTextSchema,
	summarize,
	workOrderDocId,
	workOrderSchema,
	type Conflict,
	type FieldAction,
	type SessionUser,
	type WorkOrder
} from '../../domain';
import { BadRequestError, NotFoundError, StateConflictError, describeZodError } from '../errors';
import { isConflict, type CouchClient } from '../store/couch-client';
import { ACTIONS_DB, CONFLICTS_DB, ORDERS_DB } from '../store/schema';
import { contextOptionsFor, reduceContext } from './runner';

const WRITE_RETRIES = 10;
const MAX_LIST = 1000; // conflicts per answer

export const conflictStateFilterSchema = z.enum(['open', 'accepted', 'dismissed', 'all']).default('open');

export const resolveBodySchema = z
	.object({
		decision: z.enum(['accept', 'dismiss']),
		reason: reasonTextSchema
	})
	.strict();

export interface ConflictView extends Conflict {
	/** What the crew did (the action without its photo bytes), and that in words. */
	field_action: (Omit<FieldAction, '_attachments'> & { photos: string[]; summary: string }) | null;
	/** The order as it stands now. */
	order_now: Pick<WorkOrder, 'status' | 'crew' | 'department' | 'updated_datetime' | 'service_name' | 'address'> | null;
}

async function loadAction(store: CouchClient, actionId: string): Promise<FieldAction | null> {
	const raw = await store.db(ACTIONS_DB).getOrNull<unknown>(`action:${actionId}`);
	const parsed = raw ? fieldActionSchema.safeParse(raw) : null;
	return parsed?.success ? parsed.data : null;
}

async function loadOrder(store: CouchClient, orderId: string | null): Promise<WorkOrder | null> {
	if (!orderId) return null;
	const raw = await store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(orderId));
	return raw ? workOrderSchema.parse(raw) : null;
}

export async function listConflicts(store: CouchClient, stateParam: string | null): Promise<ConflictView[]> {
	const parsed = conflictStateFilterSchema.safeParse(stateParam ?? undefined);
	if (!parsed.success) throw new BadRequestError(`state: ${describeZodError(parsed.error)}`);
	const selector: Record<string, unknown> = { type: 'conflict' };
	if (parsed.data !== 'all') selector.state = parsed.data;
	const res = await store.db(CONFLICTS_DB).find<unknown>({ selector, limit: MAX_LIST });
	const conflicts = res.docs.map((d) => conflictSchema.parse(d)).sort((a, b) => b.created_at.localeCompare(a.created_at));
	return Promise.all(
		conflicts.map(async (c): Promise<ConflictView> => {
			const [action, order] = await Promise.all([loadAction(store, c.action_id), loadOrder(store, c.order_id)]);
			let fieldAction: ConflictView['field_action'] = null;
			if (action) {
				const { _attachments, ...rest } = action;
				fieldAction = { ...rest, photos: Object.keys(_attachments ?? {}), summary: summarize(action) };
			}
			return {
				...c,
				field_action: fieldAction,
				order_now: order
					? {
							status: order.status,
							crew: order.crew,
							department: order.department,
							updated_datetime: order.updated_datetime,
							service_name: order.service_name,
							address: order.address
						}
					: null
			};
		})
	);
}

function resolutionEntry(conflict: Conflict, decision: 'accepted' | 'dismissed', reason: string, user: SessionUser, at: string) {
	return {
		action_id: `resolution:${conflict.action_id}`,
		action: 'conflict_resolution',
		at,
		by: user.id,
		crew: null,
		outcome: 'applied' as const,
		summary: `Conflict (${conflict.action} by ${conflict.author}) ${decision} by ${user.name}: ${reason}`,
		visibility: 'internal' as const
	};
}

export async function resolveConflict(
	store: CouchClient,
	conflictId: string,
	body: unknown,
	user: SessionUser,
	now: Date = new Date()
): Promise<Conflict> {
	const input = resolveBodySchema.safeParse(body);
	if (!input.success) throw new BadRequestError(describeZodError(input.error));
	const { decision, reason } = input.data;
	const decided = decision === 'accept' ? 'accepted' : 'dismissed';
	const at = now.toISOString();
	const conflicts = store.db(CONFLICTS_DB);
	const raw = await conflicts.getOrNull<unknown>(conflictId.startsWith('conflict:') ? conflictId : `conflict:${conflictId}`);
	if (!raw) throw new NotFoundError(`No conflict ${conflictId}`);
	const conflict = conflictSchema.parse(raw);
	if (conflict.state !== 'open') throw new StateConflictError(`This conflict was already ${conflict.state}`);

	// The order first: the conflict is marked resolved only once the order says so.
	for (let attempt = 0; attempt < WRITE_RETRIES; attempt++) {
		const order = await loadOrder(store, conflict.order_id);
		if (!order) {
			if (decision === 'accept') throw new StateConflictError('The order no longer exists: the action can only be dismissed');
			break;
		}
		let next: WorkOrder = order;
		if (decision === 'accept') {
			const action = await loadAction(store, conflict.action_id);
			if (!action) throw new StateConflictError('The action is not in the action log; it cannot be applied');
			const result = apply(order, action, await reduceContext(store, order.service_code, contextOptionsFor(action, true)));
			if (result.outcome !== 'applied') {
				const why = result.conflict?.message ?? (result.outcome === 'noop' ? 'it would change nothing now' : 'it was applied already');
				throw new StateConflictError(`Cannot accept: ${why}`);
			}
			next = result.order;
		}
		next = { ...next, history: [...next.history, resolutionEntry(conflict, decided, reason, user, at)] };
		try {
			await store.db(ORDERS_DB).put(next);
			break;
		} catch (e) {
			if (!isConflict(e)) throw e;
			if (attempt === WRITE_RETRIES - 1) throw new StateConflictError('The order kept changing; try again');
		}
	}

	const resolved: Conflict = { ...conflict, state: decided, resolution: { by: user.id, at, decision: decided, reason } };
	await conflicts.put(resolved);
	return resolved;
}
