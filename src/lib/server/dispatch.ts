/**
 * Supervisor actions on orders (issue 06): assign, reassign, unassign, set priority, move to another
 * department, change the service type, internal or public note. They are action documents like the crews' —
 * recorded in the action log and applied by the same reducer and projector — so the order's history shows
 * who did what, and the projector moves the order between crew databases.
 *
 * A supervisor's request the reducer would refuse (an unknown crew, reassigning a closed order) is answered
 * at once (400 / 409) and writes nothing: the conflict inbox is for field actions that arrive late, not for
 * requests a supervisor can correct on the spot.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
	DEFAULT_SERVICE_MINUTES,
	actionDocId,
	apply,
	canDispatch,
	fieldActionSchema,
	supervisorActionSchema,
	workOrderDocId,
	workOrderSchema,
	type BulkItemResult,
	type FieldAction,
	type Outcome,
	type ReduceContext,
	type SessionUser,
	type SupervisorAction,
	type WorkOrder
} from '../domain';
import { AppError, BadRequestError, ForbiddenError, NotFoundError, StateConflictError, describeZodError, toPublicError } from './errors';
import { InvalidSuggestError, suggestCrews, type OrderForSuggest, type SuggestAnswer } from '../routing/assign';
import { listCrews, listServiceTypes } from './directory';
import { findOrders, openOrderSelectors } from './orders';
import { isConflict, type CouchClient } from './store/couch-client';
import { ACTIONS_DB, ORDERS_DB } from './store/schema';
import { applyActionTo, contextOptionsFor, reduceContext } from './sync/runner';

export const MAX_BULK_ORDERS = 500; // orders per bulk request: a whole box selection on the board
const BULK_CONCURRENCY = 8; // orders applied at once: enough to be quick, few enough not to swamp the store
const orderIdSchema = z.string().min(1).max(64);

/** Many orders at once: one action for all (`orders`). */
const bulkOrdersSchema = z
	.object({ orders: z.array(orderIdSchema).min(1).max(MAX_BULK_ORDERS), action: z.string(), payload: z.unknown() })
	.strict()
	.transform((b) => b.orders.map((order) => ({ order, body: { action: b.action, payload: b.payload } as unknown })));
/** Or one operation per order (`operations`, e.g. accepted suggestions). */
const bulkOperationsSchema = z
	.object({
		operations: z
			.array(z.object({ order: orderIdSchema, action: z.string(), payload: z.unknown() }).strict())
			.min(1)
			.max(MAX_BULK_ORDERS)
	})
	.strict()
	.transform((b) => b.operations.map((op) => ({ order: op.order, body: { action: op.action, payload: op.payload } as unknown })));

function parseBulk(body: unknown) {
	// Pick the form by its key, so the reason names what is wrong in it (a union would only say "invalid").
	const schema = body && typeof body === 'object' && 'operations' in body ? bulkOperationsSchema : bulkOrdersSchema;
	const parsed = schema.safeParse(body);
	if (!parsed.success) throw new BadRequestError(describeZodError(parsed.error));
	return parsed.data;
}

export interface DispatchResult {
	outcome: Outcome;
	order: WorkOrder;
}

function assertDispatcher(user: SessionUser): void {
	if (!canDispatch(user.role)) throw new ForbiddenError('Only supervisors and admins dispatch');
}

function parseBody(body: unknown): SupervisorAction {
	const input = supervisorActionSchema.safeParse(body);
	if (!input.success) throw new BadRequestError(describeZodError(input.error));
	return input.data;
}

/** The reducer's verdict before anything is written: bad targets are the caller's mistake (400), state clashes 409. */
function precheck(order: WorkOrder, action: FieldAction, ctx: ReduceContext): void {
	const result = apply(order, action, ctx);
	if (!result.conflict) return;
	if (result.conflict.reason === 'unknown_target') throw new BadRequestError(result.conflict.message);
	throw new StateConflictError(`#${order.service_request_id}: ${result.conflict.message}`);
}

async function dispatchParsed(
	store: CouchClient,
	user: SessionUser,
	orderId: string,
	input: SupervisorAction,
	now: Date,
	ctxFor: (serviceCode: string) => Promise<ReduceContext>
): Promise<DispatchResult> {
	const raw = await store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(orderId));
	if (!raw) throw new NotFoundError(`No order ${orderId}`);
	const current = workOrderSchema.parse(raw);
	const id = randomUUID();
	const action = fieldActionSchema.parse({
		_id: actionDocId(id),
		type: 'field_action',
		id,
		action: input.action,
		order_id: orderId,
		crew: null,
		author: user.id,
		device_time: now.toISOString(),
		base_rev: null,
		payload: input.payload
	});
	precheck(current, action, await ctxFor(current.service_code));
	try {
		await store.db(ACTIONS_DB).put(action);
	} catch (e) {
		if (!isConflict(e)) throw e; // a UUID collision cannot happen; a retried request can
	}
	// The directory was read for the check above: the reducer runs on the same reading, and on the order as read
	// there (a change since is a revision conflict: read again and re-decided). Three store round trips in all.
	const applied = await applyActionTo(store, action, () => now, ctxFor, current);
	const order = applied.order ?? workOrderSchema.parse(await store.db(ORDERS_DB).get(workOrderDocId(orderId)));
	return { outcome: applied.outcome, order };
}

export async function dispatch(store: CouchClient, user: SessionUser, orderId: string, body: unknown, now: Date = new Date()): Promise<DispatchResult> {
	assertDispatcher(user);
	const input = parseBody(body);
	return dispatchParsed(store, user, orderId, input, now, (code) => reduceContext(store, code, contextOptionsFor(input)));
}

function unknownTarget(input: SupervisorAction, ctx: ReduceContext): string | null {
	if (input.action === 'assign' && !ctx.crewIds.includes(input.payload.crew)) return `unknown crew ${input.payload.crew}`;
	if (input.action === 'set_department' && !ctx.departmentIds.includes(input.payload.department)) return `unknown department ${input.payload.department}`;
	if (input.action === 'set_service_type' && !ctx.serviceTypes?.some((t) => t.service_code === input.payload.service_code)) {
		return `unknown service type ${input.payload.service_code}`;
	}
	return null;
}

function refusal(order: string, e: unknown): BulkItemResult {
	if (e instanceof AppError) {
		const outcome =
			e instanceof NotFoundError ? 'not_found' : e instanceof BadRequestError ? 'invalid' : e instanceof StateConflictError ? 'refused' : 'error';
		return { order, ok: false, outcome, reason: e.message };
	}
	// Logged by toPublicError; the other orders go on.
	return { order, ok: false, outcome: 'error', reason: toPublicError(e).body.reason };
}

/**
 * Applies each operation independently and says per order what happened: one refused order never stops the
 * others, and nothing is half-done within an order (its action is applied by the reducer or not written).
 */
export async function dispatchBulk(store: CouchClient, user: SessionUser, body: unknown, now: Date = new Date()): Promise<BulkItemResult[]> {
	assertDispatcher(user);
	const ops = parseBulk(body);
	// Every operation is checked before any is applied: a malformed request changes nothing.
	const seen = new Set<string>();
	const operations = ops.map((op, i) => {
		if (seen.has(op.order)) throw new BadRequestError(`order ${op.order} is listed twice`);
		seen.add(op.order);
		const input = supervisorActionSchema.safeParse(op.body);
		if (!input.success) throw new BadRequestError(`operation ${i} (order ${op.order}): ${describeZodError(input.error)}`);
		return { order: op.order, input: input.data };
	});
	// The directory is read once per service type for the whole batch (with every type if any op re-types).
	const options = { allServiceTypes: operations.some((op) => contextOptionsFor(op.input).allServiceTypes) };
	const contexts = new Map<string, Promise<ReduceContext>>();
	const ctxFor = (code: string) => {
		if (!contexts.has(code)) contexts.set(code, reduceContext(store, code, options));
		return contexts.get(code)!;
	};
	// An unknown crew, department or type is the request's mistake, not one order's: 400 before anything.
	const directory = await ctxFor('');
	for (const [i, op] of operations.entries()) {
		const unknown = unknownTarget(op.input, directory);
		if (unknown) throw new BadRequestError(`operation ${i} (order ${op.order}): ${unknown}`);
	}
	const results: BulkItemResult[] = new Array(operations.length);
	let next = 0;
	const worker = async () => {
		while (next < operations.length) {
			const i = next++;
			const op = operations[i]!;
			try {
				const { outcome, order } = await dispatchParsed(store, user, op.order, op.input, now, ctxFor);
				results[i] = { order: op.order, ok: outcome === 'applied' || outcome === 'noop', outcome, reason: null, crew: order.crew, status: order.status };
			} catch (e) {
				results[i] = refusal(op.order, e);
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, operations.length) }, worker));
	return results;
}

export const suggestBodySchema = z.object({ orders: z.array(orderIdSchema).min(1).max(MAX_BULK_ORDERS) }).strict();

/**
 * Proposes a crew for each selected unassigned order (routing/assign.ts: regret insertion balancing
 * workload and travel). Changes nothing: the board shows the proposal, the supervisor edits and accepts it
 * through the bulk API.
 */
export async function suggest(store: CouchClient, user: SessionUser, body: unknown): Promise<SuggestAnswer> {
	assertDispatcher(user);
	const input = suggestBodySchema.safeParse(body);
	if (!input.success) throw new BadRequestError(describeZodError(input.error));
	const wanted = [...new Set(input.data.orders)];
	const [crews, types, open, found] = await Promise.all([
		listCrews(store),
		listServiceTypes(store),
		findOrders(store, openOrderSelectors()),
		store.db(ORDERS_DB).allDocs<unknown>({ keys: wanted.map(workOrderDocId), include_docs: true })
	]);
	const minutesOf = (code: string) => types.find((t) => t.service_code === code)?.service_minutes ?? DEFAULT_SERVICE_MINUTES;
	const skipped: SuggestAnswer['skipped'] = [];
	const orders: OrderForSuggest[] = [];
	found.rows.forEach((row, i) => {
		const parsed = row.doc ? workOrderSchema.safeParse(row.doc) : null;
		if (!parsed?.success) return skipped.push({ order: wanted[i]!, reason: 'no such order' });
		const o = parsed.data;
		if (o.status !== 'new' || o.crew !== null) return skipped.push({ order: o.service_request_id, reason: `already ${o.status === 'closed' ? 'closed' : `with ${o.crew}`}` });
		orders.push({ id: o.service_request_id, lat: o.lat, long: o.long, service_minutes: minutesOf(o.service_code), department: o.department, service_code: o.service_code });
	});
	const crewInput = crews.map((c) => ({
		id: c.id,
		department: c.department,
		service_codes: c.service_codes,
		start: c.last_position ? { lat: c.last_position.lat, long: c.last_position.long } : { lat: c.depot.lat, long: c.depot.long },
		stops: open
			.filter((o) => o.crew === c.id)
			.map((o) => ({ id: o.service_request_id, lat: o.lat, long: o.long, service_minutes: minutesOf(o.service_code) }))
	}));
	try {
		// suggestCrews checks its input itself (ranges, duplicate ids).
		return { ...suggestCrews({ crews: crewInput, orders }), skipped };
	} catch (e) {
		if (e instanceof InvalidSuggestError) throw new BadRequestError(e.message);
		throw e;
	}
}
