/**
 * What the tablet shows (DESIGN.md point 5), as pure functions of the local database's contents:
 * - an order = the replicated order with the tablet's not-yet-applied actions folded on top by the SAME
 *   reducer the server runs, so a close done offline shows as closed at once and after a reload;
 * - the outbox = every local action with where it stands (queued → sent → applied / noop / conflict).
 * An action is pending until the replicated order's `applied_action_ids` contains it.
 */
import { apply, lastOutcome, type CrewCatalog, type ActionType, type ConflictFinding, type FieldAction, type Outcome, type ReduceContext } from '../domain';
import type { CrewOrder, LocalSnapshot } from './local-db';

export type OutboxStatus =
	/** Only on this tablet so far. */
	| 'queued'
	/** On the server, not applied to the order yet (a position action is done once sent). */
	| 'sent'
	/** The server applied it. */
	| 'applied'
	/** The server recorded it without effect (e.g. a second close). */
	| 'noop'
	/** The server recorded a conflict: a supervisor decides (the action's notes and photos are kept). */
	| 'conflict';

/** The outcome the order's history records for an action id (the last entry wins: a conflict may be resolved). */
/** What the order's history last recorded for an action (the reducer's own helper). */
export const recordedOutcome = lastOutcome;

const isApplied = (order: CrewOrder | undefined, action: FieldAction) => order?.applied_action_ids.includes(action.id) ?? false;

export function actionStatus(action: FieldAction, order: CrewOrder | undefined, onServer: ReadonlySet<string>): OutboxStatus {
	if (order && isApplied(order, action)) return recordedOutcome(order, action.id) ?? 'applied';
	return onServer.has(action.id) ? 'sent' : 'queued';
}

/**
 * The order the reducer folds in: device time, ties by id — exactly as `applyAll` sorts (a unit test holds the
 * two together), so the tablet predicts what the server's reducer will decide.
 */
export function byDeviceTime(a: FieldAction, b: FieldAction): number {
	return Date.parse(a.device_time) - Date.parse(b.device_time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export interface PendingAction {
	action: FieldAction;
	status: 'queued' | 'sent';
	/** What the shared reducer decides on this tablet; the server decides for real. */
	predicted: Exclude<Outcome, 'duplicate'>;
	conflict: ConflictFinding | null;
}

export interface OrderView {
	/** The service request id. */
	id: string;
	/** What to show: the replicated order with the pending actions applied. */
	order: CrewOrder;
	/** The order as the server last sent it. */
	replicated: CrewOrder;
	/** This order's actions the server has not applied yet, in fold order. */
	pending: PendingAction[];
	/**
	 * False when `contextFor` had no rules for the order (its service type unknown on this tablet): the fold
	 * then trusts the crew's own actions (any resolution code they chose, no after-photo rule) and the server
	 * decides.
	 */
	rulesKnown: boolean;
}

/**
 * The reducer's context for an order, or null when the tablet does not know the rules (e.g. service types
 * not loaded yet). The tablet needs: the service type's resolution codes and after-photo rule, and the crew
 * and department ids reroutes may target.
 */
export type ContextFor = (order: CrewOrder) => ReduceContext | null;

export interface ReduceCatalog {
	serviceTypes: ReadonlyMap<string, ReduceContext['serviceType']>;
	crewIds: readonly string[];
	departmentIds: readonly string[];
}

/** The reduce catalog from the crew database's catalog document (domain/catalog.ts). */
export function catalogFromDoc(doc: CrewCatalog): ReduceCatalog {
	return {
		serviceTypes: new Map(doc.service_types.map((t) => [t.service_code, t])),
		crewIds: doc.crews.map((c) => c.id),
		departmentIds: doc.departments.map((d) => d.id)
	};
}

/** A ContextFor from service types by code and the known crews and departments. */
export function contextFromCatalog(catalog: ReduceCatalog): ContextFor {
	return (order) => {
		const serviceType = catalog.serviceTypes.get(order.service_code);
		return serviceType ? { serviceType, crewIds: catalog.crewIds, departmentIds: catalog.departmentIds } : null;
	};
}

/** Without the rules, accept what the crew did: the codes they chose, the targets they picked, no photo rule. */
function trustingContext(pending: readonly FieldAction[]): ReduceContext {
	const codes = new Set<string>();
	const crewIds = new Set<string>();
	const departmentIds = new Set<string>();
	for (const a of pending) {
		if (a.action === 'close') codes.add(a.payload.resolution_code);
		if (a.action === 'reroute') {
			if (a.payload.to.kind === 'crew') crewIds.add(a.payload.to.crew);
			else departmentIds.add(a.payload.to.department);
		}
	}
	return {
		serviceType: { resolution_codes: [...codes].map((code) => ({ code, label: code })), requires_after_photo: false },
		crewIds: [...crewIds],
		departmentIds: [...departmentIds]
	};
}

function groupByOrder(actions: readonly FieldAction[]): Map<string, FieldAction[]> {
	const byOrder = new Map<string, FieldAction[]>();
	for (const a of actions) {
		if (a.order_id === null) continue; // position: updates the crew, never an order
		const list = byOrder.get(a.order_id);
		if (list) list.push(a);
		else byOrder.set(a.order_id, [a]);
	}
	return byOrder;
}

/** One order with its pending actions folded on top. */
export function foldOrder(
	replicated: CrewOrder,
	actions: readonly FieldAction[],
	onServer: ReadonlySet<string>,
	contextFor: ContextFor
): OrderView {
	const mine = actions.filter((a) => a.order_id === replicated.service_request_id && !isApplied(replicated, a)).sort(byDeviceTime);
	const known = contextFor(replicated);
	const ctx = known ?? trustingContext(mine);
	let order = replicated;
	const pending: PendingAction[] = [];
	for (const action of mine) {
		const result = apply(order, action, ctx);
		order = result.order;
		pending.push({
			action,
			status: onServer.has(action.id) ? 'sent' : 'queued',
			// Never 'duplicate': applied actions were filtered out above and action ids are unique.
			predicted: result.outcome === 'duplicate' ? 'noop' : result.outcome,
			conflict: result.conflict ?? null
		});
	}
	return { id: replicated.service_request_id, order, replicated, pending, rulesKnown: known !== null };
}

/** Every replicated order, in the given order, with its pending actions folded on top. */
export function buildOrderViews(
	orders: readonly CrewOrder[],
	actions: readonly FieldAction[],
	onServer: ReadonlySet<string>,
	contextFor: ContextFor
): OrderView[] {
	const byOrder = groupByOrder(actions);
	return orders.map((o) => foldOrder(o, byOrder.get(o.service_request_id) ?? [], onServer, contextFor));
}

export interface OutboxEntry {
	id: string;
	action: ActionType;
	orderId: string | null;
	author: string;
	deviceTime: string;
	status: OutboxStatus;
	/** The order is no longer on this tablet (reassigned away or aged out): the server decides without us seeing it. */
	orderMissing: boolean;
	/** Attachment (photo) names. */
	photos: string[];
}

/** Every local action with its status, newest first. */
export function buildOutbox(orders: readonly CrewOrder[], actions: readonly FieldAction[], onServer: ReadonlySet<string>): OutboxEntry[] {
	const byId = new Map(orders.map((o) => [o.service_request_id, o]));
	return [...actions]
		.sort((a, b) => byDeviceTime(b, a))
		.map((a) => {
			const order = a.order_id === null ? undefined : byId.get(a.order_id);
			return {
				id: a.id,
				action: a.action,
				orderId: a.order_id,
				author: a.author,
				deviceTime: a.device_time,
				status: actionStatus(a, order, onServer),
				orderMissing: a.order_id !== null && order === undefined,
				photos: Object.keys(a._attachments ?? {})
			};
		});
}

export interface OutboxCounts {
	/** Not on the server yet. */
	queued: number;
	/** Not applied yet: queued, or sent and waiting for the server's reducer (not positions, not orphans). */
	pending: number;
}

export function outboxCounts(entries: readonly OutboxEntry[]): OutboxCounts {
	let queued = 0;
	let pending = 0;
	for (const e of entries) {
		if (e.status === 'queued') {
			queued++;
			pending++;
		} else if (e.status === 'sent' && e.action !== 'position' && !e.orderMissing) {
			pending++;
		}
	}
	return { queued, pending };
}

/** Convenience over a snapshot. */
export const orderViewsOf = (s: LocalSnapshot, contextFor: ContextFor) => buildOrderViews(s.orders, s.actions, s.onServer, contextFor);
export const outboxOf = (s: LocalSnapshot) => buildOutbox(s.orders, s.actions, s.onServer);
