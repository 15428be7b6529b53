/**
 * The pure, idempotent reducer (DESIGN.md point 3): apply(order, action) -> { order, outcome, conflict? }.
 * No I/O, no wall clock: the same inputs always give the same output, on the server and on the tablet
 * (where it folds pending local actions over the replicated order, DESIGN.md point 5).
 */
import type { ConflictFinding } from './conflict';
import type { Crew } from './crew';
import { FIELD_ACTION_TYPES, type FieldAction } from './field-action';
import type { ServiceType } from './service-type';
import { canTransition, STATUS_AFTER_ACTION, type WorkflowStatus } from './status-machine';
import type { HistoryEntry, WorkOrder } from './work-order';

export type Outcome = 'applied' | 'noop' | 'conflict' | 'duplicate';

export interface ReduceContext {
	/** The order's service type: resolution codes and the after-photo rule. */
	serviceType: Pick<ServiceType, 'requires_after_photo'> & {
		resolution_codes: readonly { code: string; work_done?: boolean }[];
	};
	/** Known crew and department ids, for reroute and assign targets. */
	crewIds: readonly string[];
	departmentIds: readonly string[];
	/** Known service types, for re-categorising an order (set_service_type). */
	serviceTypes?: readonly Pick<ServiceType, 'service_code' | 'service_name' | 'department'>[];
	/**
	 * A supervisor accepted this action from the conflict inbox: skip the assignment check, and apply it
	 * even though it was already seen, if what was seen was a conflict (never twice if it was applied).
	 */
	force?: boolean;
}

export interface ReduceResult<O> {
	order: O;
	outcome: Outcome;
	conflict?: ConflictFinding;
}

/** A caller mistake (wrong order for the action), not a business conflict. */
export class ReducerInputError extends Error {
	override name = 'ReducerInputError';
}

type Order = Omit<WorkOrder, 'reporter'> & Partial<Pick<WorkOrder, 'reporter'>>;

const isFieldAction = (a: FieldAction) => (FIELD_ACTION_TYPES as readonly string[]).includes(a.action);
const laterOf = (a: string, b: string) => (Date.parse(b) > Date.parse(a) ? b : a);

/** The outcome the order's history last recorded for an action id. */
export function lastOutcome(order: Pick<WorkOrder, 'history'>, actionId: string): HistoryEntry['outcome'] | null {
	for (let i = order.history.length - 1; i >= 0; i--) {
		if (order.history[i]!.action_id === actionId) return order.history[i]!.outcome;
	}
	return null;
}

/** The crew that held the order at `time`, from its assignment log. */
export function crewAt(order: Pick<WorkOrder, 'assignments' | 'crew'>, time: string): string | null {
	// The latest assignment that started at or before `time` (by time, not by log position: late
	// actions can append back-dated entries). Equal times: the one logged later wins.
	const t = Date.parse(time);
	let best: { crew: string | null; from: number } | undefined;
	for (const a of order.assignments) {
		const from = Date.parse(a.from);
		if (from <= t && (!best || from >= best.from)) best = { crew: a.crew, from };
	}
	return best ? best.crew : null;
}

/** The action in words, as the order's history and the conflict inbox show it. */
export function summarize(action: FieldAction): string {
	switch (action.action) {
		case 'en_route':
			return 'En route';
		case 'on_site':
			return 'On site';
		case 'note':
			return `Note: ${action.payload.text}`;
		case 'photo':
			return `Photo (${action.payload.kind})`;
		case 'close':
			return `Closed: ${action.payload.resolution_code}`;
		case 'reroute':
			return action.payload.to.kind === 'crew'
				? `Rerouted to crew ${action.payload.to.crew}: ${action.payload.reason}`
				: `Rerouted to department ${action.payload.to.department}: ${action.payload.reason}`;
		case 'duplicate':
			return `Duplicate of #${action.payload.of}`;
		case 'position':
			return 'Position';
		case 'assign':
			return `Assigned to crew ${action.payload.crew}`;
		case 'unassign':
			return action.payload.reason ? `Unassigned: ${action.payload.reason}` : 'Unassigned';
		case 'set_priority':
			return `Priority set to ${action.payload.priority}`;
		case 'set_department':
			return `Moved to department ${action.payload.department}${action.payload.reason ? `: ${action.payload.reason}` : ''}`;
		case 'set_service_type':
			return `Service type changed to ${action.payload.service_code}${action.payload.reason ? `: ${action.payload.reason}` : ''}`;
	}
}

function isPublic(action: FieldAction): boolean {
	if (action.action === 'note') return action.payload.visibility === 'public';
	return ['en_route', 'on_site', 'close', 'duplicate'].includes(action.action);
}

/** Records the action on the order whatever its outcome: the history of an order is its actions. */
function record<O extends Order>(order: O, action: FieldAction, outcome: HistoryEntry['outcome']): O {
	const entry: HistoryEntry = {
		action_id: action.id,
		action: action.action,
		at: action.device_time,
		by: action.author,
		crew: action.crew,
		outcome,
		summary: summarize(action),
		// Only what actually happened is public: a conflicting action stays internal.
		visibility: isPublic(action) && outcome === 'applied' ? 'public' : 'internal',
		status: order.status
	};
	const photos = [...order.photos];
	if (action.action === 'photo') {
		photos.push({
			action_id: action.id,
			attachment: action.payload.attachment,
			kind: action.payload.kind,
			at: action.payload.taken_at ?? action.device_time,
			public: false
		});
	}
	if (action.action === 'close' && action.payload.after_photo) {
		photos.push({
			action_id: action.id,
			attachment: action.payload.after_photo,
			kind: 'after',
			at: action.device_time,
			public: outcome === 'applied'
		});
	}
	return {
		...order,
		// Anything applied (a public note, a priority) is an update Open311 clients should see.
		updated_datetime: outcome === 'applied' ? laterOf(order.updated_datetime, action.device_time) : order.updated_datetime,
		history: [...order.history, entry],
		photos,
		applied_action_ids: order.applied_action_ids.includes(action.id)
			? order.applied_action_ids
			: [...order.applied_action_ids, action.id]
	};
}

function conflict<O extends Order>(
	order: O,
	action: FieldAction,
	reason: ConflictFinding['reason'],
	message: string
): ReduceResult<O> {
	return { order: record(order, action, 'conflict'), outcome: 'conflict', conflict: { reason, message } };
}

function withStatus<O extends Order>(order: O, status: WorkflowStatus, action: FieldAction): O {
	const next = { ...order, status, updated_datetime: laterOf(order.updated_datetime, action.device_time) };
	// Reopening (closed -> new) undoes the closure; the history keeps the close action.
	if (order.status === 'closed' && status !== 'closed') {
		return { ...next, closed_datetime: null, resolution: null, duplicate_of: null };
	}
	return next;
}

function publicNote<O extends Order>(order: O, text: string | undefined, action: FieldAction): O {
	if (!text) return order;
	return {
		...order,
		public_notes: [...order.public_notes, { at: action.device_time, text, status: order.status, action_id: action.id }]
	};
}

function assignTo<O extends Order>(order: O, crew: string | null, action: FieldAction): O {
	return {
		...order,
		crew,
		assignments: [...order.assignments, { crew, from: action.device_time }]
	};
}

/** Moves an open order to another department's queue: unassigned, status new (like a crew's reroute). */
function toDepartment<O extends Order>(order: O, department: string, action: FieldAction, ctx: ReduceContext): ReduceResult<O> {
	if (order.status === 'closed') return conflict(order, action, 'invalid_transition', 'cannot move a closed order');
	if (!ctx.departmentIds.includes(department)) return conflict(order, action, 'unknown_target', `unknown department ${department}`);
	if (order.department === department) return { order: record(order, action, 'noop'), outcome: 'noop' };
	const moved = order.crew === null && order.status === 'new' ? order : assignTo(withStatus(order, 'new', action), null, action);
	return { order: record({ ...moved, department }, action, 'applied'), outcome: 'applied' };
}

export function apply<O extends Order>(order: O, action: FieldAction, ctx: ReduceContext): ReduceResult<O> {
	if (order.applied_action_ids.includes(action.id) && !(ctx.force && lastOutcome(order, action.id) === 'conflict')) {
		return { order, outcome: 'duplicate' };
	}
	if (action.order_id !== order.service_request_id) {
		throw new ReducerInputError(`action ${action.id} is for order ${action.order_id}, not ${order.service_request_id}`);
	}

	// A crew acts only on what it held when it acted (device time), or holds now. Field actions without
	// a crew (a supervisor's note) are authorised by the server API, not by assignment.
	if (isFieldAction(action) && action.crew !== null && !ctx.force) {
		const held = crewAt(order, action.device_time) === action.crew || order.crew === action.crew;
		if (!held) {
			return conflict(order, action, 'not_assigned', `crew ${action.crew} did not hold this order at ${action.device_time}`);
		}
	}

	const target = STATUS_AFTER_ACTION[action.action];
	if (target && order.status === 'closed' && target !== 'new' && action.action !== 'assign') {
		// A second close (or a late en-route) on a closed order changes nothing; it stays in the history.
		return { order: record(order, action, 'noop'), outcome: 'noop' };
	}
	if (target && target !== 'assigned' && order.status === target) {
		return { order: record(order, action, 'noop'), outcome: 'noop' };
	}
	if (target && !canTransition(order.status, target)) {
		return conflict(order, action, 'invalid_transition', `cannot go from ${order.status} to ${target}`);
	}

	switch (action.action) {
		case 'en_route':
		case 'on_site':
			return { order: record(withStatus(order, target!, action), action, 'applied'), outcome: 'applied' };

		case 'note': {
			const next = action.payload.visibility === 'public' ? publicNote(order, action.payload.text, action) : order;
			return { order: record(next, action, 'applied'), outcome: 'applied' };
		}

		case 'photo':
			return { order: record(order, action, 'applied'), outcome: 'applied' };

		case 'close': {
			const code = action.payload.resolution_code;
			const resolution = ctx.serviceType.resolution_codes.find((r) => r.code === code);
			if (!resolution) {
				return conflict(order, action, 'unknown_resolution', `resolution code "${code}" is not one of this service type's`);
			}
			const hasAfter =
				action.payload.after_photo !== undefined || order.photos.some((p) => p.kind === 'after');
			// "No issue found", "referred"… need no proof of work; only closes where work was done do.
			if (ctx.serviceType.requires_after_photo && resolution.work_done !== false && !hasAfter) {
				return conflict(order, action, 'missing_after_photo', 'this service type needs an "after" photo to close');
			}
			let next = withStatus(order, 'closed', action);
			next = {
				...next,
				closed_datetime: action.device_time,
				status_notes: action.payload.public_note || next.status_notes,
				resolution: { code, note: action.payload.public_note || null, at: action.device_time, by: action.author }
			};
			next = publicNote(next, action.payload.public_note, action);
			return { order: record(next, action, 'applied'), outcome: 'applied' };
		}

		case 'reroute': {
			// Reroute has no fixed target status, so the check above misses it: a crew never reopens a closed order.
			if (order.status === 'closed') {
				return conflict(order, action, 'invalid_transition', 'cannot reroute a closed order');
			}
			const to = action.payload.to;
			if (to.kind === 'crew') {
				if (!ctx.crewIds.includes(to.crew)) return conflict(order, action, 'unknown_target', `unknown crew ${to.crew}`);
				const next = assignTo(withStatus(order, 'assigned', action), to.crew, action);
				return { order: record(next, action, 'applied'), outcome: 'applied' };
			}
			if (!ctx.departmentIds.includes(to.department)) {
				return conflict(order, action, 'unknown_target', `unknown department ${to.department}`);
			}
			const next = { ...assignTo(withStatus(order, 'new', action), null, action), department: to.department };
			return { order: record(next, action, 'applied'), outcome: 'applied' };
		}

		case 'duplicate': {
			let next = withStatus(order, 'closed', action);
			const told = action.payload.public_note || null;
			next = {
				...next,
				duplicate_of: action.payload.of,
				closed_datetime: action.device_time,
				status_notes: told ?? next.status_notes,
				resolution: { code: 'duplicate', note: action.payload.note ?? null, at: action.device_time, by: action.author }
			};
			next = publicNote(next, `Already reported as request #${action.payload.of}.${told ? ` ${told}` : ''}`, action);
			return { order: record(next, action, 'applied'), outcome: 'applied' };
		}

		case 'assign': {
			if (!ctx.crewIds.includes(action.payload.crew)) {
				return conflict(order, action, 'unknown_target', `unknown crew ${action.payload.crew}`);
			}
			if (order.crew === action.payload.crew && order.status !== 'new') {
				return { order: record(order, action, 'noop'), outcome: 'noop' };
			}
			const next = assignTo(withStatus(order, 'assigned', action), action.payload.crew, action);
			return { order: record(next, action, 'applied'), outcome: 'applied' };
		}

		case 'unassign': {
			const next = assignTo(withStatus(order, 'new', action), null, action);
			return { order: record(next, action, 'applied'), outcome: 'applied' };
		}

		case 'set_priority': {
			const next = { ...order, priority: action.payload.priority };
			return { order: record(next, action, 'applied'), outcome: 'applied' };
		}

		case 'set_department':
			return toDepartment(order, action.payload.department, action, ctx);

		case 'set_service_type': {
			if (order.status === 'closed') return conflict(order, action, 'invalid_transition', 'cannot re-categorise a closed order');
			const type = ctx.serviceTypes?.find((t) => t.service_code === action.payload.service_code);
			if (!type) return conflict(order, action, 'unknown_target', `unknown service type ${action.payload.service_code}`);
			if (type.service_code === order.service_code) return { order: record(order, action, 'noop'), outcome: 'noop' };
			const retyped = { ...order, service_code: type.service_code, service_name: type.service_name };
			if (type.department === order.department) return { order: record(retyped, action, 'applied'), outcome: 'applied' };
			return toDepartment(retyped, type.department, action, ctx);
		}

		case 'position':
			throw new ReducerInputError('position actions update a crew, not an order: use applyPosition');
	}
}

/** Position actions move the crew's last known position forward (never back in time). */
export function applyPosition<C extends Pick<Crew, 'last_position'>>(crew: C, action: FieldAction): C {
	if (action.action !== 'position') throw new ReducerInputError('not a position action');
	const last = crew.last_position;
	if (last && Date.parse(last.at) >= Date.parse(action.device_time)) return crew;
	return {
		...crew,
		last_position: {
			lat: action.payload.lat,
			long: action.payload.long,
			at: action.device_time,
			...(action.payload.accuracy_m !== undefined ? { accuracy_m: action.payload.accuracy_m } : {})
		}
	};
}

/** Folds several actions in device-time order (ties by id: deterministic, no wall clock). */
export function applyAll<O extends Order>(order: O, actions: readonly FieldAction[], ctx: ReduceContext): O {
	const sorted = [...actions].sort((a, b) => Date.parse(a.device_time) - Date.parse(b.device_time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	return sorted.reduce((o, a) => (a.action === 'position' ? o : apply(o, a, ctx).order), order);
}
