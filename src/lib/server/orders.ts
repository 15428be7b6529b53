/** Reading work orders from the master database: open lists, one order, its photos. */
import {
	actionDocId,
	haversineMeters,
	isOpen,
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

const OPEN_STATUSES = ['new', 'assigned', 'en_route', 'on_site'] as const;
const MAX_LIST = 5000; // orders per status per list (the board has its own, larger limit)

export interface OrderListItem extends CrewWorkOrder {
	distance_m: number | null;
}

/** Open orders, optionally only one crew's, without any private reporter data. */
export async function listOpenOrders(store: CouchClient, opts: { crew?: string; from?: Point } = {}): Promise<OrderListItem[]> {
	// One equality query per status (each uses an index; an $in over statuses would scan every order).
	const answers = await Promise.all(
		OPEN_STATUSES.map((status) =>
			store.db(ORDERS_DB).find<unknown>({ selector: { type: 'work_order', ...(opts.crew ? { crew: opts.crew } : {}), status }, limit: MAX_LIST })
		)
	);
	const orders: OrderListItem[] = [];
	for (const doc of answers.flatMap((a) => a.docs)) {
		const parsed = workOrderSchema.safeParse(doc);
		if (!parsed.success) {
			console.error(`[orders] skipping invalid order ${(doc as { _id?: string })._id}`);
			continue;
		}
		if (!isOpen(parsed.data.status)) continue;
		const order = toCrewWorkOrder(parsed.data);
		orders.push({ ...order, distance_m: opts.from ? Math.round(haversineMeters(opts.from, order)) : null });
	}
	// Nearest first when we know where the crew starts (route order comes with issue 05); else newest first.
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
