/**
 * Open311 GeoReport v2 mapping (issue 07): our service types and orders as the spec's services, service
 * definitions and requests; the spec's query and POST arguments parsed into typed input with the spec's
 * error list. Pure: the server adds I/O (store, XML/JSON encoding), the tests check it against the spec's
 * JSON Schemas.
 */
import { z } from 'zod';
import { latitude, longitude } from './common';
import type { Open311Attribute, ServiceType } from './service-type';
import { toOpen311Status, OPEN_STATUSES, type WorkflowStatus } from './status-machine';
import { PUBLIC_STEP_TEXT, type PublicStep, type TimelineEntry } from './timeline';
import { toCityIso } from './time';
import { DESCRIPTION_MAX, type WorkOrder } from './work-order';

export const OPEN311_FORMATS = ['json', 'xml'] as const;
export type Open311Format = (typeof OPEN311_FORMATS)[number];
export const isOpen311Format = (f: string): f is Open311Format => (OPEN311_FORMATS as readonly string[]).includes(f);

/** One entry of the spec's error array. `code` usually matches the HTTP status. */
export interface Open311Error {
	code: number;
	description: string;
}

export const MAX_RANGE_DAYS = 90; // GeoReport v2: a search "may not span more than 90 days"
export const DEFAULT_RANGE_DAYS = 90; // "When not specified, the range defaults to most recent 90 days"
export const MAX_PAGE_SIZE = 1000; // "first 1000 requests returned"
export const MAX_IDS = 1000; // service_request_id list
const DAY_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------------------

export interface Open311Service {
	service_code: string;
	service_name: string;
	description: string | null;
	metadata: boolean;
	type: ServiceType['open311_type'];
	keywords: string | null;
	group: string | null;
}

export function toOpen311Service(t: ServiceType): Open311Service {
	return {
		service_code: t.service_code,
		service_name: t.service_name,
		description: t.description || null,
		metadata: t.attributes.length > 0,
		type: t.open311_type,
		keywords: t.keywords.length ? t.keywords.join(', ') : null,
		group: t.group
	};
}

export interface Open311ServiceDefinition {
	service_code: string;
	attributes: (Omit<Open311Attribute, 'values'> & { values?: { key: string; name: string }[] })[];
}

export function toServiceDefinition(t: ServiceType): Open311ServiceDefinition {
	return {
		service_code: t.service_code,
		attributes: [...t.attributes]
			.sort((a, b) => a.order - b.order)
			.map((a) => ({
				variable: a.variable,
				code: a.code,
				datatype: a.datatype,
				required: a.required,
				datatype_description: a.datatype_description,
				order: a.order,
				description: a.description,
				...(a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist' ? { values: a.values ?? [] } : {})
			}))
	};
}

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

export interface Open311Request {
	service_request_id: string;
	status: 'open' | 'closed';
	status_notes: string | null;
	service_name: string | null;
	service_code: string;
	description: string | null;
	agency_responsible: string | null;
	service_notice: string | null;
	requested_datetime: string;
	updated_datetime: string | null;
	expected_datetime: string | null;
	address: string | null;
	address_id: string | null;
	zipcode: string | null;
	lat: number | null;
	long: number | null;
	media_url: string | null;
}

/** The order fields an Open311 request shows (a Mango `fields` list reads only these). */
export const OPEN311_ORDER_FIELDS = [
	'service_request_id',
	'status',
	'status_notes',
	'service_name',
	'service_code',
	'description',
	'agency_responsible',
	'requested_datetime',
	'updated_datetime',
	'expected_datetime',
	'closed_datetime',
	'address',
	'zipcode',
	'lat',
	'long',
	'media_url',
	'duplicate_of',
	'photos'
] as const satisfies readonly (keyof WorkOrder)[];
export type Open311OrderFields = Pick<WorkOrder, (typeof OPEN311_ORDER_FIELDS)[number]>;

/** The public photo the city shows for an order: its closing "after" photo, newest first. */
export function closingPhoto(order: Pick<WorkOrder, 'photos'>): WorkOrder['photos'][number] | null {
	const pub = order.photos.filter((p) => p.public);
	return pub.length ? pub[pub.length - 1]! : null;
}

/** Path (under the app's public URL) of the EXIF-free public copy of an order's photo. */
export const publicPhotoPath = (photo: { action_id: string; attachment: string }) =>
	`/media/closing/${encodeURIComponent(photo.action_id)}/${encodeURIComponent(photo.attachment)}`;

/** What the resident is told about a request: a duplicate link, or nothing. */
export function serviceNoticeFor(order: Pick<WorkOrder, 'duplicate_of' | 'status'>): string | null {
	if (!order.duplicate_of) return null;
	return order.status === 'closed'
		? `Closed with request #${order.duplicate_of}, which reported the same problem.`
		: `This problem was already reported as request #${order.duplicate_of}; your report is linked to it and will be closed with it.`;
}

/**
 * An order as a GeoReport v2 request. media_url: the closing photo's public copy once there is one, else
 * what the reporter gave. updated_datetime of a closed request is its close (the spec says so).
 */
export function toOpen311Request(order: Open311OrderFields, baseUrl: string, timeZone: string): Open311Request {
	const photo = closingPhoto(order);
	const status = toOpen311Status(order.status);
	const when = (s: string | null) => (s === null ? null : toCityIso(s, timeZone));
	return {
		service_request_id: order.service_request_id,
		status,
		status_notes: order.status_notes,
		service_name: order.service_name,
		service_code: order.service_code,
		description: order.description || null,
		agency_responsible: order.agency_responsible || null,
		service_notice: serviceNoticeFor(order),
		requested_datetime: toCityIso(order.requested_datetime, timeZone),
		updated_datetime: when(status === 'closed' && order.closed_datetime ? order.closed_datetime : order.updated_datetime),
		expected_datetime: when(order.expected_datetime),
		address: order.address,
		address_id: null,
		zipcode: order.zipcode,
		lat: order.lat,
		long: order.long,
		media_url: photo ? `${baseUrl}${publicPhotoPath(photo)}` : order.media_url
	};
}

// ---------------------------------------------------------------------------------------------------------
// GET requests arguments
// ---------------------------------------------------------------------------------------------------------

export interface RequestsQuery {
	/** service_request_id list: overrides every other argument. */
	ids: string[] | null;
	serviceCodes: string[] | null;
	/** Workflow statuses to match (open = every status but closed); null = all. */
	statuses: WorkflowStatus[] | null;
	start: Date;
	end: Date;
	page: number;
	pageSize: number;
	/** Extension: west, south, east, north. */
	bbox: { west: number; south: number; east: number; north: number } | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: Open311Error[] };

const bad = (description: string): Open311Error => ({ code: 400, description });

/** W3C date-time (offset required, as the spec says) or a plain date (midnight UTC); null for anything else. */
function parseW3Date(text: string): Date | null {
	// A real calendar day only: "2026-02-30" is refused, not read as March 2, and "9999-99-99" is no date at all.
	if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return z.iso.date().safeParse(text).success ? new Date(`${text}T00:00:00Z`) : null;
	if (!z.iso.datetime({ offset: true, local: false }).safeParse(text).success) return null;
	const ms = Date.parse(text);
	return Number.isFinite(ms) ? new Date(ms) : null;
}

const list = (value: string | null) =>
	value === null
		? null
		: value
				.split(',')
				.map((v) => v.trim())
				.filter((v) => v !== '');

function intArg(params: URLSearchParams, name: string, min: number, max: number, fallback: number, errors: Open311Error[]): number {
	const raw = params.get(name);
	if (raw === null || raw.trim() === '') return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < min || n > max) {
		errors.push(bad(`${name} must be a whole number from ${min} to ${max}`));
		return fallback;
	}
	return n;
}

export function parseRequestsQuery(params: URLSearchParams, now: Date): Parsed<RequestsQuery> {
	const errors: Open311Error[] = [];
	const page = intArg(params, 'page', 1, 100_000, 1, errors);
	const pageSize = intArg(params, 'page_size', 1, MAX_PAGE_SIZE, MAX_PAGE_SIZE, errors);

	const ids = list(params.get('service_request_id'));
	if (ids !== null) {
		if (ids.length === 0) errors.push(bad('service_request_id is empty'));
		if (ids.length > MAX_IDS) errors.push(bad(`at most ${MAX_IDS} service_request_id values at once`));
		if (ids.some((id) => id.length > 64)) errors.push(bad('a service_request_id is longer than 64 characters'));
		if (errors.length) return { ok: false, errors };
		// "This overrides all other arguments."
		return { ok: true, value: { ids: [...new Set(ids)], serviceCodes: null, statuses: null, start: now, end: now, page, pageSize, bbox: null } };
	}

	const serviceCodes = list(params.get('service_code'));
	if (serviceCodes !== null && serviceCodes.length === 0) errors.push(bad('service_code is empty'));

	let statuses: WorkflowStatus[] | null = null;
	const statusList = list(params.get('status'));
	if (statusList !== null) {
		const unknown = statusList.filter((s) => s !== 'open' && s !== 'closed');
		if (unknown.length || statusList.length === 0) errors.push(bad(`status must be open, closed or both (comma separated), not "${params.get('status')}"`));
		const open = statusList.includes('open');
		const closed = statusList.includes('closed');
		statuses = open && closed ? null : open ? [...OPEN_STATUSES] : ['closed'];
	}

	const startText = params.get('start_date');
	const endText = params.get('end_date');
	const start = startText ? parseW3Date(startText) : null;
	const end = endText ? parseW3Date(endText) : null;
	if (startText && !start) errors.push(bad(`start_date "${startText}" is not a W3C date-time with a time zone, e.g. 2026-01-01T00:00:00Z`));
	if (endText && !end) errors.push(bad(`end_date "${endText}" is not a W3C date-time with a time zone, e.g. 2026-01-31T23:59:59Z`));
	const range = DEFAULT_RANGE_DAYS * DAY_MS;
	const to = end ?? (start ? new Date(Math.min(+start + range, +now)) : now);
	const from = start ?? new Date(+to - range);
	if (start && end) {
		if (+start > +end) errors.push(bad('start_date is after end_date'));
		else if (+end - +start > MAX_RANGE_DAYS * DAY_MS) errors.push(bad(`start_date to end_date spans more than ${MAX_RANGE_DAYS} days`));
	}

	let bbox: RequestsQuery['bbox'] = null;
	const bboxText = params.get('bbox');
	if (bboxText !== null) {
		const n = bboxText.split(',').map((v) => Number(v.trim()));
		const valid =
			n.length === 4 &&
			longitude.safeParse(n[0]).success &&
			latitude.safeParse(n[1]).success &&
			longitude.safeParse(n[2]).success &&
			latitude.safeParse(n[3]).success &&
			n[0]! < n[2]! &&
			n[1]! < n[3]!;
		if (valid) bbox = { west: n[0]!, south: n[1]!, east: n[2]!, north: n[3]! };
		else errors.push(bad('bbox must be "west,south,east,north" in degrees (west < east, south < north)'));
	}

	if (errors.length) return { ok: false, errors };
	return { ok: true, value: { ids: null, serviceCodes: serviceCodes ? [...new Set(serviceCodes)] : null, statuses, start: from, end: to, page, pageSize, bbox } };
}

// ---------------------------------------------------------------------------------------------------------
// POST requests arguments
// ---------------------------------------------------------------------------------------------------------

/** The arguments of a POST, each name with all its values (form posts may repeat a name). */
export type ArgumentMap = Map<string, string[]>;

export interface ServiceRequestInput {
	service_code: string;
	lat: number | null;
	long: number | null;
	address_string: string | null;
	email: string | null;
	first_name: string | null;
	last_name: string | null;
	phone: string | null;
	description: string;
	media_url: string | null;
	/** attribute[code] values as given (validated against the service definition separately). */
	attributes: Map<string, string[]>;
}

const ATTRIBUTE_ARG = /^attribute\[([^\]]{1,100})\](\[\])?$/;
const TEXT_LIMITS = { address_string: 500, first_name: 200, last_name: 200, phone: 50, media_url: 2000 } as const;

/** A JSON body as an argument map: plain fields, "attribute[code]" keys and/or an "attribute" object. */
export function argumentsFromJson(body: unknown): Parsed<ArgumentMap> {
	if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: [bad('the JSON body must be an object of request arguments')] };
	const args: ArgumentMap = new Map();
	const add = (name: string, value: unknown): boolean => {
		const values = Array.isArray(value) ? value : [value];
		if (!values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return false;
		args.set(name, [...(args.get(name) ?? []), ...values.map(String)]);
		return true;
	};
	for (const [name, value] of Object.entries(body)) {
		if (value === null || value === undefined) continue;
		if (name === 'attribute' && typeof value === 'object' && !Array.isArray(value)) {
			for (const [code, v] of Object.entries(value as Record<string, unknown>)) {
				if (!add(`attribute[${code}]`, v)) return { ok: false, errors: [bad(`attribute[${code}] must be a string or a list of strings`)] };
			}
		} else if (!add(name, value)) {
			return { ok: false, errors: [bad(`${name} must be a string, a number or a list of them`)] };
		}
	}
	return { ok: true, value: args };
}

/** Reads a POST's arguments; every problem found is reported at once. */
export function parseServiceRequestInput(args: ArgumentMap): Parsed<ServiceRequestInput> {
	const errors: Open311Error[] = [];
	const one = (name: string): string | null => {
		const values = args.get(name);
		if (!values || values.length === 0) return null;
		if (values.length > 1) errors.push(bad(`${name} is given ${values.length} times`));
		const v = values[0]!.trim();
		return v === '' ? null : v;
	};
	const text = (name: keyof typeof TEXT_LIMITS) => {
		const v = one(name);
		if (v !== null && v.length > TEXT_LIMITS[name]) errors.push(bad(`${name} is longer than ${TEXT_LIMITS[name]} characters`));
		return v;
	};

	const service_code = one('service_code');
	if (service_code === null) errors.push(bad('service_code was not provided'));

	const latText = one('lat');
	const longText = one('long');
	const lat = latText === null ? null : Number(latText);
	const long = longText === null ? null : Number(longText);
	if (latText !== null && !latitude.safeParse(lat).success) errors.push(bad(`lat "${latText}" is not a latitude (a number from -90 to 90)`));
	if (longText !== null && !longitude.safeParse(long).success) errors.push(bad(`long "${longText}" is not a longitude (a number from -180 to 180)`));
	if ((latText === null) !== (longText === null)) errors.push(bad('lat and long must be sent together'));
	const address_string = text('address_string');
	const addressId = one('address_id');
	if (latText === null && longText === null && address_string === null) {
		errors.push(
			bad(addressId !== null ? 'address_id is not supported here: send lat and long, or address_string' : 'a location is required: lat and long, or address_string')
		);
	}

	const email = one('email');
	if (email !== null && !z.email().safeParse(email).success) errors.push(bad(`email "${email}" is not an e-mail address`));
	const media_url = text('media_url');
	if (media_url !== null && !z.url({ protocol: /^https?$/ }).safeParse(media_url).success) errors.push(bad('media_url must be an http(s) URL'));
	const description = one('description') ?? '';
	if (description.length > DESCRIPTION_MAX) errors.push(bad(`description is longer than ${DESCRIPTION_MAX.toLocaleString('en-US')} characters (${description.length.toLocaleString('en-US')})`));

	const attributes = new Map<string, string[]>();
	for (const [name, values] of args) {
		const m = ATTRIBUTE_ARG.exec(name);
		if (m) attributes.set(m[1]!, [...(attributes.get(m[1]!) ?? []), ...values.map((v) => v.trim()).filter((v) => v !== '')]);
	}

	const first_name = text('first_name');
	const last_name = text('last_name');
	const phone = text('phone');
	if (errors.length) return { ok: false, errors };
	return {
		ok: true,
		value: { service_code: service_code!, lat: latText === null ? null : lat, long: longText === null ? null : long, address_string, email, first_name, last_name, phone, description, media_url, attributes }
	};
}

const ATTRIBUTE_TEXT_MAX: Record<string, number> = { string: 1000, text: 4000 };

/** Checks attribute[code] values against the service definition; returns what the order stores. */
export function validateAttributes(definition: readonly Open311Attribute[], given: ReadonlyMap<string, string[]>): Parsed<Record<string, string | string[]>> {
	const errors: Open311Error[] = [];
	const out: Record<string, string | string[]> = {};
	for (const code of given.keys()) {
		if (!definition.some((a) => a.code === code)) errors.push(bad(`attribute[${code}] is not an attribute of this service`));
	}
	for (const a of definition) {
		const values = given.get(a.code) ?? [];
		if (values.length === 0) {
			if (a.required && a.variable) errors.push(bad(`attribute[${a.code}] is required (${a.description})`));
			continue;
		}
		if (!a.variable) {
			errors.push(bad(`attribute[${a.code}] is information only and takes no value`));
			continue;
		}
		const keys = (a.values ?? []).map((v) => v.key);
		switch (a.datatype) {
			case 'multivaluelist': {
				const unknown = values.filter((v) => !keys.includes(v));
				if (unknown.length) errors.push(bad(`attribute[${a.code}]: ${unknown.map((v) => `"${v}"`).join(', ')} not among its values`));
				else out[a.code] = [...new Set(values)];
				continue;
			}
			case 'singlevaluelist':
				if (values.length > 1) errors.push(bad(`attribute[${a.code}] takes one value`));
				else if (!keys.includes(values[0]!)) errors.push(bad(`attribute[${a.code}]: "${values[0]}" is not among its values`));
				else out[a.code] = values[0]!;
				continue;
			case 'number':
				if (values.length > 1 || !Number.isFinite(Number(values[0]))) errors.push(bad(`attribute[${a.code}] must be one number`));
				else out[a.code] = values[0]!;
				continue;
			case 'datetime':
				if (values.length > 1 || parseW3Date(values[0]!) === null) errors.push(bad(`attribute[${a.code}] must be one W3C date-time with a time zone`));
				else out[a.code] = values[0]!;
				continue;
			default:
				if (values.length > 1) errors.push(bad(`attribute[${a.code}] takes one value`));
				else if (values[0]!.length > ATTRIBUTE_TEXT_MAX[a.datatype]!) errors.push(bad(`attribute[${a.code}] is longer than ${ATTRIBUTE_TEXT_MAX[a.datatype]} characters`));
				else out[a.code] = values[0]!;
		}
	}
	return errors.length ? { ok: false, errors } : { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------------------
// Service request updates (FixMyStreet's Open311 extension)
// ---------------------------------------------------------------------------------------------------------

export interface Open311RequestUpdate {
	update_id: string;
	service_request_id: string;
	status: 'OPEN' | 'ACTION_SCHEDULED' | 'IN_PROGRESS' | 'FIXED' | 'CLOSED' | 'DUPLICATE';
	updated_datetime: string;
	description: string;
	media_url: string | null;
}

const UPDATE_STATUS: Record<Exclude<PublicStep, 'closed' | 'note'>, Open311RequestUpdate['status']> = {
	received: 'OPEN',
	linked_duplicate: 'DUPLICATE',
	assigned: 'ACTION_SCHEDULED',
	en_route: 'IN_PROGRESS',
	on_site: 'IN_PROGRESS',
	duplicate: 'DUPLICATE',
	reopened: 'OPEN'
};
const STATUS_OF_WORKFLOW: Record<WorkflowStatus, Open311RequestUpdate['status']> = {
	new: 'OPEN',
	assigned: 'ACTION_SCHEDULED',
	en_route: 'IN_PROGRESS',
	on_site: 'IN_PROGRESS',
	closed: 'CLOSED'
};

/** One public timeline step as an update. `workDone`: the closing resolution meant work was done (FIXED). */
export function toRequestUpdate(orderId: string, step: TimelineEntry, workDone: boolean, baseUrl: string, timeZone: string): Open311RequestUpdate {
	const status = step.step === 'closed' ? (workDone ? 'FIXED' : 'CLOSED') : step.step === 'note' ? STATUS_OF_WORKFLOW[step.status] : UPDATE_STATUS[step.step];
	return {
		update_id: step.id,
		service_request_id: orderId,
		status,
		updated_datetime: toCityIso(step.at, timeZone),
		description: step.note ?? (step.ref ? `${PUBLIC_STEP_TEXT[step.step]} (#${step.ref})` : PUBLIC_STEP_TEXT[step.step]),
		media_url: step.photo ? `${baseUrl}${publicPhotoPath(step.photo)}` : null
	};
}
