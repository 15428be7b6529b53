/** Reading work orders from the master database: open lists, one order, its photos. */
import {
	actionDocId,
	haversineMeters,
	OPEN_STATUSES,
	toCrewWorkOrder,
	workOrderDocId,
	workOrderSchema,
	type CrewWorkOrder,
	type Point,
	type WorkOrder
} from '../domain';
import { NotFoundError } from './errors';
import type { CouchClient } from './store/couch-client';
import { ACTIONS_DB, ORDERS_DB } from './store/schema';

const MAX_LIST = 5000; // orders per selector per list (the board asks for more)

export interface OrderListItem extends CrewWorkOrder {
	distance_m: number | null;
}

/** Orders matching any of the selectors (one query each, in parallel), parsed; invalid documents logged and skipped. */
export async function findOrders(store: CouchClient, selectors: readonly Record<string, unknown>[], limit = MAX_LIST): Promise<WorkOrder[]> {
	const answers = await Promise.all(selectors.map((selector) => store.db(ORDERS_DB).find<unknown>({ selector, limit })));
	const orders: WorkOrder[] = [];
	for (const doc of answers.flatMap((a) => a.docs)) {
		const parsed = workOrderSchema.safeParse(doc);
		if (parsed.success) orders.push(parsed.data);
		else console.error(`[orders] skipping invalid order ${(doc as { _id?: string })._id}`);
	}
	return orders;
}

/**
 * Selectors for the open orders (optionally one crew's): one equality query per status, each served by the
 * (type, status, …) or (type, crew, status) index — an $in over statuses would scan every order.
 */
export const openOrderSelectors = (crew?: string) => OPEN_STATUSES.map((status) => ({ type: 'work_order', ...(crew ? { crew } : {}), status }));

/** Open orders, optionally only one crew's, without any private reporter data. */
export async function listOpenOrders(store: CouchClient, opts: { crew?: string; from?: Point } = {}): Promise<OrderListItem[]> {
	const orders = (await findOrders(store, openOrderSelectors(opts.crew))).map((o) => {
		const order = toCrewWorkOrder(o);
		return { ...order, distance_m: opts.from ? Math.round(haversineMeters(opts.from, order)) : null };
	});
	// Nearest first when we know where the crew starts (the tablet orders its route itself); else newest first.
	return orders.sort((a, b) =>
		a.distance_m !== null && b.distance_m !== null
			? a.distance_m - b.distance_m
			: b.requested_datetime.localeCompare(a.requested_datetime)
	);
}

/** One order as the master database holds it (staff: reporter contact included). */
export async function getOrder(store: CouchClient, id: string): Promise<WorkOrder> {
	const doc = await store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(id));
	if (doc === null) throw new NotFoundError(`No order #${id}`);
	return workOrderSchema.parse(doc);
}

/**
 * A photo of an order: only one the order's history refers to (photo or close action), read from the
 * action log where the reducer runner archived it with its attachment.
 */
export async function getOrderPhoto(store: CouchClient, orderId: string, actionId: string, name: string): Promise<{ contentType: string; bytes: Uint8Array }> {
	const order = await getOrder(store, orderId);
	if (!order.photos.some((p) => p.action_id === actionId && p.attachment === name)) {
		throw new NotFoundError(`Order #${orderId} has no photo ${actionId}/${name}`);
	}
	const photo = await store.db(ACTIONS_DB).attachment(actionDocId(actionId), name);
	if (!photo) throw new NotFoundError(`The photo ${actionId}/${name} is not in the action log`);
	return photo;
}
