/**
 * Small builders for the domain unit tests. Every builder goes through the real zod schema, so a fixture that
 * drifts away from the schema fails loudly here instead of silently testing an impossible document.
 */
import {
	actionDocId,
	fieldActionSchema,
	workOrderSchema,
	type ActionType,
	type Crew,
	type FieldAction,
	type FieldActionOf,
	type ReduceContext,
	type WorkOrder
} from '../../../src/lib/domain';

export const ORDER_ID = '101';
export const OTHER_ORDER_ID = '202';
export const CREW_A = 'crew-a';
export const CREW_B = 'crew-b';
export const CREW_C = 'crew-c';
export const DEPT_DPW = 'dpw';
export const DEPT_SFMTA = 'sfmta';
export const AUTHOR_A = 'alice';
export const AUTHOR_B = 'bob';
export const SUPERVISOR = 'sam.supervisor';

export const REQUESTED_AT = '2024-05-01T07:00:00Z';
/** Crew A was given the order at this time (see `workOrder`). */
export const ASSIGNED_AT = '2024-05-01T08:00:00Z';

/** An ISO time `minutes` after ASSIGNED_AT, always with an explicit offset. */
export function at(minutes: number): string {
	return new Date(Date.parse(ASSIGNED_AT) + minutes * 60_000).toISOString();
}

/** A deterministic, schema-valid (version 4, RFC variant) UUID. */
export function uuid(n: number): string {
	return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** An assigned order held by crew A since ASSIGNED_AT. */
export function workOrder(overrides: Partial<WorkOrder> = {}): WorkOrder {
	const raw: Record<string, unknown> = {
		_id: `order:${ORDER_ID}`,
		_rev: '3-abc',
		type: 'work_order',
		service_request_id: ORDER_ID,
		service_code: 'pothole',
		service_name: 'Pothole',
		description: 'Deep pothole in the bike lane',
		agency_responsible: 'DPW Ops Queue',
		status_notes: null,
		address: '1 Market St',
		zipcode: '94105',
		lat: 37.7936,
		long: -122.395,
		media_url: null,
		requested_datetime: REQUESTED_AT,
		updated_datetime: ASSIGNED_AT,
		expected_datetime: null,
		closed_datetime: null,
		attributes: {},
		status: 'assigned',
		priority: 'normal',
		crew: CREW_A,
		department: DEPT_DPW,
		assignments: [{ crew: CREW_A, from: ASSIGNED_AT }],
		neighborhood: 'Financial District',
		supervisor_district: '3',
		duplicate_of: null,
		resolution: null,
		reporter: { first_name: 'Rita', last_name: 'Resident', email: 'rita@example.org', phone: null, notify: true },
		public_notes: [],
		history: [],
		photos: [],
		applied_action_ids: [],
		source_channel: 'phone',
		flags: [],
		...overrides
	};
	return workOrderSchema.parse(raw);
}

/** A `new` order in DPW's queue, never assigned. */
export function unassignedOrder(overrides: Partial<WorkOrder> = {}): WorkOrder {
	return workOrder({ status: 'new', crew: null, assignments: [], updated_datetime: REQUESTED_AT, ...overrides });
}

export interface ActionOptions {
	/** Sequence number for the action id (see `uuid`); ignored when `id` is given. */
	n?: number;
	id?: string;
	orderId?: string | null;
	crew?: string | null;
	author?: string;
	/** Device time. */
	time?: string;
	baseRev?: string | null;
	attachments?: Record<string, unknown>;
}

let nextSeq = 1_000;

/** The unparsed document a tablet would write: for schema tests that need to break one field. */
export function rawAction(action: string, payload: unknown, opts: ActionOptions = {}): Record<string, unknown> {
	const id = opts.id ?? uuid(opts.n ?? nextSeq++);
	const doc: Record<string, unknown> = {
		_id: actionDocId(id),
		type: 'field_action',
		id,
		action,
		order_id: opts.orderId !== undefined ? opts.orderId : action === 'position' ? null : ORDER_ID,
		crew: opts.crew !== undefined ? opts.crew : CREW_A,
		author: opts.author ?? AUTHOR_A,
		device_time: opts.time ?? at(30),
		base_rev: opts.baseRev !== undefined ? opts.baseRev : '3-abc',
		payload
	};
	if (opts.attachments !== undefined) doc['_attachments'] = opts.attachments;
	return doc;
}

function isActionOf<T extends ActionType>(a: FieldAction, type: T): a is FieldActionOf<T> {
	return a.action === type;
}

function build<T extends ActionType>(type: T, payload: unknown, opts: ActionOptions): FieldActionOf<T> {
	const parsed = fieldActionSchema.parse(rawAction(type, payload, opts));
	if (!isActionOf(parsed, type)) throw new Error(`fixture parsed as ${parsed.action}, not ${type}`);
	return parsed;
}

/** A tiny valid JPEG-ish inline attachment (content is not inspected by the schema). */
export function jpeg(): { content_type: 'image/jpeg'; data: string } {
	return { content_type: 'image/jpeg', data: '/9j/4AAQSkZJRgABAQ==' };
}

export const enRoute = (opts: ActionOptions = {}) => build('en_route', {}, opts);
export const onSite = (opts: ActionOptions = {}) => build('on_site', {}, opts);
export const note = (text: string, visibility: 'internal' | 'public', opts: ActionOptions = {}) =>
	build('note', { text, visibility }, opts);
export const photo = (kind: 'before' | 'progress' | 'after', opts: ActionOptions = {}, attachment = `${kind}.jpg`) =>
	build('photo', { attachment, kind }, { attachments: { [attachment]: jpeg() }, ...opts });
export const close = (
	resolution_code: string,
	opts: ActionOptions = {},
	extra: { public_note?: string; after_photo?: string } = {}
) =>
	build(
		'close',
		{ resolution_code, ...extra },
		extra.after_photo !== undefined ? { attachments: { [extra.after_photo]: jpeg() }, ...opts } : opts
	);
export const rerouteToCrew = (crew: string, reason: string, opts: ActionOptions = {}) =>
	build('reroute', { to: { kind: 'crew', crew }, reason }, opts);
export const rerouteToDepartment = (department: string, reason: string, opts: ActionOptions = {}) =>
	build('reroute', { to: { kind: 'department', department }, reason }, opts);
export const duplicate = (of: string, opts: ActionOptions = {}, noteText?: string) =>
	build('duplicate', noteText === undefined ? { of } : { of, note: noteText }, opts);
export const position = (lat: number, long: number, opts: ActionOptions = {}, accuracy_m?: number) =>
	build('position', accuracy_m === undefined ? { lat, long } : { lat, long, accuracy_m }, opts);

/** Supervisor actions carry no crew of their own. */
const supervisorOpts = (opts: ActionOptions): ActionOptions => ({ crew: null, author: SUPERVISOR, ...opts });
export const assign = (crew: string, opts: ActionOptions = {}) => build('assign', { crew }, supervisorOpts(opts));
export const unassign = (opts: ActionOptions = {}, reason?: string) =>
	build('unassign', reason === undefined ? {} : { reason }, supervisorOpts(opts));
export const setPriority = (priority: 'low' | 'normal' | 'high' | 'urgent', opts: ActionOptions = {}) =>
	build('set_priority', { priority }, supervisorOpts(opts));
export const setDepartment = (department: string, opts: ActionOptions = {}, reason?: string) =>
	build('set_department', reason === undefined ? { department } : { department, reason }, supervisorOpts(opts));
export const setServiceType = (service_code: string, opts: ActionOptions = {}) =>
	build('set_service_type', { service_code }, supervisorOpts(opts));

/** Service types the reducer may re-categorise to (set_service_type). */
export const SERVICE_TYPES = [
	{ service_code: 'pothole', service_name: 'Pothole', department: DEPT_DPW },
	{ service_code: 'sidewalk', service_name: 'Sidewalk repair', department: DEPT_DPW },
	{ service_code: 'sign', service_name: 'Damaged sign', department: DEPT_SFMTA }
] as const;

export const RESOLUTION_CODES = [
	{ code: 'repaired', label: 'Repaired' },
	{ code: 'no_issue_found', label: 'No issue found' }
] as const;

export function context(overrides: Partial<ReduceContext> = {}): ReduceContext {
	return {
		serviceType: { resolution_codes: [...RESOLUTION_CODES], requires_after_photo: false },
		crewIds: [CREW_A, CREW_B, CREW_C],
		departmentIds: [DEPT_DPW, DEPT_SFMTA],
		serviceTypes: SERVICE_TYPES,
		...overrides
	};
}

/** A context whose service type needs an "after" photo to close. */
export function photoContext(overrides: Partial<ReduceContext> = {}): ReduceContext {
	return context({ serviceType: { resolution_codes: [...RESOLUTION_CODES], requires_after_photo: true }, ...overrides });
}

export function crewWithPosition(last: Crew['last_position']): Pick<Crew, 'id' | 'last_position'> {
	return { id: CREW_A, last_position: last };
}

/** Freezes a value and everything reachable from it, so any mutation throws (ES modules run in strict mode). */
export function deepFreeze<T>(value: T): T {
	if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const v of Object.values(value)) deepFreeze(v);
	}
	return value;
}

/** Deterministic Fisher–Yates shuffle (mulberry32 PRNG): the same seed always gives the same permutation. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
	let s = seed >>> 0;
	const random = () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		const a = out[i] as T;
		out[i] = out[j] as T;
		out[j] = a;
	}
	return out;
}
