/**
 * Intake (issue 07): a resident's report — from an Open311 POST or the /report form — becomes a work order
 * in the service type's department queue. A report of the same service type within the type's radius and
 * time window of an open report is linked to it as a duplicate (it stays open and is closed with its
 * parent, see duplicates.ts); the answer's service_notice says so.
 */
import { randomBytes, randomInt } from 'node:crypto';
import {
	BusinessClock,
	departmentDocId,
	departmentSchema,
	formatCityIso,
	haversineMeters,
	INTAKE_ACTION,
	LINK_DUPLICATE_ACTION,
	OPEN_STATUSES,
	serviceNoticeFor,
	serviceTypeDocId,
	serviceTypeSchema,
	slaDueAt,
	slug,
	validateAttributes,
	workOrderDocId,
	workOrderSchema,
	type HistoryEntry,
	type Point,
	type ServiceRequestInput,
	type ServiceType,
	type WorkOrder
} from '../../domain';
import type { Config } from '../config';
import type { Geocoder } from '../geocode';
import { getBusinessHours } from '../analytics/sla-config';
import { storeUpload } from '../media';
import { isConflict, type CouchClient } from '../store/couch-client';
import { DIRECTORY_DB, LINKS_DB, ORDERS_DB } from '../store/schema';
import { linkDocId, recordLink } from './duplicates';
import type { OrdersFeed } from '../orders-feed';
import type { RequestIndex } from './request-index';
import { Open311Failure } from './errors';

const ID_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'; // no 0/O, 1/I/L: read out over the phone
const ID_RANDOM_CHARS = 5; // 31^5 ≈ 28 million ids per day
const ID_ATTEMPTS = 5;
const TOKEN_BYTES = 12;
const MAX_CANDIDATES = 2000; // open reports of one type in one window we compare against
const HOUR_MS = 60 * 60 * 1000;

export type IntakeChannel = 'open311' | 'web';

export interface IntakeDeps {
	store: CouchClient;
	config: Pick<Config, 'CITY_TIME_ZONE' | 'MAX_UPLOAD_BYTES' | 'SERVICE_AREA_BBOX' | 'publicUrl'>;
	geocoder: Geocoder | null;
	/** This server's request index (complete once `orders` is ready): duplicate candidates without a query. */
	requests?: Pick<RequestIndex, 'inWindow'>;
	/** This server's orders feed: a new report is in its read models (searches, reports) at once. */
	orders?: Pick<OrdersFeed, 'ready' | 'touch' | 'put'>;
}

export interface IntakeOptions {
	channel: IntakeChannel;
	/** Who sent it: the API key's name, or "web form". */
	via: string;
	photo?: Uint8Array | null;
	lang?: 'en' | 'es';
	now?: Date;
}

export interface IntakeResult {
	order: WorkOrder;
	/** The open report this one was linked to, if any. */
	parent: { service_request_id: string; distance_m: number } | null;
	/** Returned instead of the id for batch-type services (tokens/{token} resolves it). */
	token: string | null;
	service_notice: string;
}

const fail = (status: number, description: string) => new Open311Failure(status, [{ code: status, description }]);

/** "261123-K7Q2M": the city-local date, then random characters. */
function newRequestId(now: Date, timeZone: string): string {
	const date = formatCityIso(now, timeZone).slice(2, 10).replaceAll('-', '');
	const random = Array.from({ length: ID_RANDOM_CHARS }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
	return `${date}-${random}`;
}

export async function loadServiceType(store: CouchClient, code: string): Promise<ServiceType | null> {
	// Service codes are slugs: anything else names no service, and is not sent to the store (a code of a few KB
	// made a document URL the store refused with 431, a 500 here — found by fuzzing).
	if (!slug.safeParse(code).success) return null;
	const doc = await store.db(DIRECTORY_DB).getOrNull<unknown>(serviceTypeDocId(code));
	const parsed = doc ? serviceTypeSchema.safeParse(doc) : null;
	return parsed?.success ? parsed.data : null;
}

/**
 * The open, not-yet-linked report of `type` nearest to `at` within the type's radius, reported within its
 * window before `now`; null when there is none.
 */
export async function findDuplicateParent(
	store: CouchClient,
	type: Pick<ServiceType, 'service_code' | 'duplicate_radius_m' | 'duplicate_window_hours'>,
	at: Point,
	now: Date,
	timeZone: string,
	index?: Pick<RequestIndex, 'inWindow'>
): Promise<{ service_request_id: string; distance_m: number } | null> {
	const from = +now - type.duplicate_window_hours * HOUR_MS;
	type Candidate = Pick<WorkOrder, 'service_request_id' | 'lat' | 'long' | 'requested_datetime' | 'duplicate_of'>;
	let candidates: Candidate[];
	if (index) {
		// From this server's request index (no store query): what makes POST fast under load.
		candidates = index.inWindow(type.service_code, from, +now, new Set<string>(OPEN_STATUSES));
	} else {
		const since = formatCityIso(from, timeZone);
		const answers = await Promise.all(
			OPEN_STATUSES.map((status) =>
				store.db(ORDERS_DB).find<Candidate>({
					selector: { type: 'work_order', service_code: type.service_code, status, requested_datetime: { $gte: since } },
					fields: ['service_request_id', 'lat', 'long', 'requested_datetime', 'duplicate_of'],
					// The index's own order, spelled out: without a sort the embedded store (pouchdb-find) reads every
					// row of the code and status instead of the date range (0.5-0.8 s per query on 100,000 orders).
					sort: [{ type: 'asc' }, { service_code: 'asc' }, { status: 'asc' }, { requested_datetime: 'asc' }],
					use_index: ['idx-orders', 'by-service-status-requested'],
					limit: MAX_CANDIDATES
				})
			)
		);
		candidates = answers.flatMap((a) => a.docs);
	}
	let best: { service_request_id: string; distance_m: number; at: number } | null = null;
	for (const c of candidates) {
		if (c.duplicate_of) continue; // link to the first report, never to another duplicate
		const t = Date.parse(c.requested_datetime);
		if (t > +now || +now - t > type.duplicate_window_hours * HOUR_MS) continue;
		const d = haversineMeters(at, c);
		if (d > type.duplicate_radius_m) continue;
		if (!best || d < best.distance_m || (d === best.distance_m && t < best.at)) best = { service_request_id: c.service_request_id, distance_m: d, at: t };
	}
	return best && { service_request_id: best.service_request_id, distance_m: Math.round(best.distance_m) };
}

function locate(deps: IntakeDeps, input: ServiceRequestInput): { point: Point; address: string | null; approximate: boolean } {
	let point: Point;
	let approximate = false;
	if (input.lat !== null && input.long !== null) {
		point = { lat: input.lat, long: input.long };
	} else {
		const found = deps.geocoder?.geocode(input.address_string ?? '') ?? null;
		if (!found) throw fail(400, `address_string "${input.address_string}" could not be found on the city's streets: send lat and long, or a street corner like "Market St & 5th St"`);
		point = { lat: found.lat, long: found.long };
		approximate = found.precision === 'street';
	}
	const box = deps.config.SERVICE_AREA_BBOX;
	if (point.long < box.west || point.long > box.east || point.lat < box.south || point.lat > box.north) {
		throw fail(400, 'the location is outside the area this city serves');
	}
	return { point, address: input.address_string, approximate };
}

/** Creates the order for a report. Refusals are Open311Failures (400 with reasons, 404 unknown service). */
export async function createServiceRequest(deps: IntakeDeps, input: ServiceRequestInput, opts: IntakeOptions): Promise<IntakeResult> {
	const now = opts.now ?? new Date();
	const { store, config } = deps;
	const type = await loadServiceType(store, input.service_code);
	if (!type) throw fail(404, `service_code "${input.service_code}" was not found`);
	const attributes = validateAttributes(type.attributes, input.attributes);
	if (!attributes.ok) throw new Open311Failure(400, attributes.errors);
	const { point, address, approximate } = locate(deps, input);
	const departmentDoc = await store.db(DIRECTORY_DB).getOrNull<unknown>(departmentDocId(type.department));
	const department = departmentDoc ? departmentSchema.safeParse(departmentDoc) : null;

	// The photo is checked and stored before the order: a bad photo refuses the whole report, nothing half-made.
	const mediaPath = opts.photo ? await storeUpload(store, opts.photo, config.MAX_UPLOAD_BYTES, now) : null;
	deps.orders?.touch();
	const parent = await findDuplicateParent(store, type, point, now, config.CITY_TIME_ZONE, deps.orders?.ready ? deps.requests : undefined);
	const token = type.open311_type === 'batch' ? randomBytes(TOKEN_BYTES).toString('hex') : null;
	const requested = formatCityIso(now, config.CITY_TIME_ZONE);
	// Due by the service type's SLA: in business hours when the type's clock runs only then.
	const clock = type.sla_business_hours ? new BusinessClock(await getBusinessHours(store), config.CITY_TIME_ZONE) : null;
	const dueAt = slaDueAt(type, +now, clock);

	for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
		const id = newRequestId(now, config.CITY_TIME_ZONE);
		const history: HistoryEntry[] = [
			{
				action_id: `${INTAKE_ACTION}:${id}`,
				action: INTAKE_ACTION,
				at: requested,
				by: opts.channel === 'web' ? 'web' : `open311:${opts.via}`,
				crew: null,
				outcome: 'applied',
				summary: `Reported ${opts.channel === 'web' ? 'on the web form' : `through Open311 (${opts.via})`}`,
				visibility: 'public',
				status: 'new'
			}
		];
		if (parent) {
			history.push({
				action_id: `${LINK_DUPLICATE_ACTION}:${id}`,
				action: LINK_DUPLICATE_ACTION,
				at: requested,
				by: 'intake',
				crew: null,
				outcome: 'applied',
				summary: `Linked as a duplicate of #${parent.service_request_id} (${parent.distance_m} m away)`,
				visibility: 'public',
				status: 'new'
			});
		}
		const order = workOrderSchema.parse({
			_id: workOrderDocId(id),
			type: 'work_order',
			service_request_id: id,
			service_code: type.service_code,
			service_name: type.service_name,
			description: input.description,
			agency_responsible: department?.success ? department.data.name : type.department,
			status_notes: null,
			address,
			zipcode: null,
			lat: point.lat,
			long: point.long,
			media_url: mediaPath ? `${config.publicUrl}${mediaPath}` : input.media_url,
			requested_datetime: requested,
			updated_datetime: requested,
			expected_datetime: formatCityIso(dueAt, config.CITY_TIME_ZONE),
			closed_datetime: null,
			attributes: attributes.value,
			status: 'new',
			priority: 'normal',
			crew: null,
			department: type.department,
			assignments: [],
			neighborhood: null,
			supervisor_district: null,
			duplicate_of: parent?.service_request_id ?? null,
			resolution: null,
			reporter:
				input.email || input.first_name || input.last_name || input.phone
					? { first_name: input.first_name, last_name: input.last_name, email: input.email, phone: input.phone, notify: input.email !== null, lang: opts.lang ?? 'en' }
					: null,
			public_notes: [],
			history,
			photos: [],
			applied_action_ids: [],
			source_channel: opts.channel,
			intake_token: token,
			flags: approximate ? ['approximate_location'] : []
		});
		// The link goes first, so a report is never linked without the duplicate closer knowing; a taken id
		// shows up here already (that report's link) or at the order, and the link is taken back.
		let linkRev: string | null = null;
		if (parent) {
			try {
				linkRev = await recordLink(store, id, parent.service_request_id, now);
			} catch (e) {
				if (isConflict(e)) continue;
				throw e;
			}
		}
		try {
			const res = await store.db(ORDERS_DB).put(order);
			deps.orders?.put({ ...order, _rev: res.rev }, order._id);
			return {
				order: { ...order, _rev: res.rev },
				parent,
				token,
				service_notice: serviceNoticeFor(order) ?? expectedNotice(type)
			};
		} catch (e) {
			if (linkRev) await store.db(LINKS_DB).remove(linkDocId(id), linkRev).catch(() => undefined); // the closer also checks
			if (!isConflict(e)) throw e; // the id was taken (28 million a day: rare): draw another
		}
	}
	throw new Error(`could not find a free request id after ${ID_ATTEMPTS} attempts`);
}

function expectedNotice(type: Pick<ServiceType, 'sla_hours'>): string {
	const days = type.sla_hours / 24;
	const span = type.sla_hours < 48 ? `${type.sla_hours} hours` : `${Math.round(days)} days`;
	return `Thank you. Requests like this are usually resolved within ${span}.`;
}
