/**
 * Supervisor actions on orders (assign, unassign, set priority, internal note). They are action documents
 * like the crews' — recorded in the action log and applied by the same reducer — so the order's history
 * shows who did what, and the projector moves the order between crew databases (issue 06 builds the board).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { actionDocId, fieldActionSchema, prioritySchema, slug, workOrderDocId, workOrderSchema, type SessionUser, type WorkOrder } from '../domain';
import { BadRequestError, ForbiddenError, NotFoundError, describeZodError } from './errors';
import { isConflict, type CouchClient } from './store/couch-client';
import { ACTIONS_DB, ORDERS_DB } from './store/schema';
import { applyAction } from './sync/runner';
import type { Outcome } from '../domain';

const DISPATCHERS = ['supervisor', 'admin'] as const;

export const dispatchBodySchema = z.discriminatedUnion('action', [
	z.object({ action: z.literal('assign'), payload: z.object({ crew: slug }).strict() }).strict(),
	z.object({ action: z.literal('unassign'), payload: z.object({ reason: z.string().trim().min(3).max(1000).optional() }).strict() }).strict(),
	z.object({ action: z.literal('set_priority'), payload: z.object({ priority: prioritySchema }).strict() }).strict(),
	z
		.object({
			action: z.literal('note'),
			payload: z.object({ text: z.string().trim().min(1).max(4000), visibility: z.enum(['internal', 'public']) }).strict()
		})
		.strict()
]);

export async function dispatch(
	store: CouchClient,
	user: SessionUser,
	orderId: string,
	body: unknown,
	now: Date = new Date()
): Promise<{ outcome: Outcome; order: WorkOrder }> {
	if (!(DISPATCHERS as readonly string[]).includes(user.role)) throw new ForbiddenError('Only supervisors and admins dispatch');
	const input = dispatchBodySchema.safeParse(body);
	if (!input.success) throw new BadRequestError(describeZodError(input.error));
	if (!(await store.db(ORDERS_DB).getOrNull(workOrderDocId(orderId)))) throw new NotFoundError(`No order ${orderId}`);
	const id = randomUUID();
	const action = fieldActionSchema.parse({
		_id: actionDocId(id),
		type: 'field_action',
		id,
		action: input.data.action,
		order_id: orderId,
		crew: null,
		author: user.id,
		device_time: now.toISOString(),
		base_rev: null,
		payload: input.data.payload
	});
	try {
		await store.db(ACTIONS_DB).put(action);
	} catch (e) {
		if (!isConflict(e)) throw e; // a UUID collision cannot happen; a retried request can
	}
	const outcome = await applyAction(store, action, () => now);
	const order = workOrderSchema.parse(await store.db(ORDERS_DB).get(workOrderDocId(orderId)));
	return { outcome, order };
}
