/**
 * SF 311 cases -> WorkOrder documents, and the demo seed built from the real sample. Pure and deterministic:
 * the same cases and the same `now` always give deep-equal output (no wall clock, no randomness).
 *
 * The demo seed:
 * - history: every case as it was in the export (closed or new), re-stated as work orders;
 * - today:   the OPEN cases inside the downtown street extract's bbox (28 in the sample), re-dated to `now`'s
 *            San Francisco date (same local time of day, never later than `now`; the original time is kept in
 *            the flags) and assigned across the demo crews. They REPLACE their historic copies: a today order
 *            has the same _id ("order:<CaseID>") and is left out of `history`, so history and today are disjoint
 *            and together hold every case exactly once — write both, in any order, without a revision.
 */
import { TZDate } from '@date-fns/tz';
import { addHours, startOfDay } from 'date-fns';
import {
	crewDocId,
	crewSchema,
	DESCRIPTION_MAX,
	workOrderDocId,
	workOrderSchema,
	type Crew,
	type Department,
	type HistoryEntry,
	type Point,
	type PublicNote,
	type ServiceType,
	type SessionUser,
	type WorkOrder
} from '../../domain';
import { buildDepartments, departmentIdForQueue } from './departments';
import { buildServiceTypes, REQUEST_TYPE_ATTRIBUTE, requestTypeKey, serviceCodeForCategory } from './service-types';
import { formatSfIso, SF_TIME_ZONE, type Sf311Case } from './sf311-csv';

/** Author of everything the import writes (history entries, resolutions). */
export const IMPORT_AUTHOR = 'sf311-import';
const NOTE_MAX = 4000; // characters: public notes, like Open311 descriptions

/** Bounding box of the downtown OSM street extract (seed/streets): the offline map covers exactly this. */
export const DOWNTOWN_BBOX = { west: -122.4195392, south: 37.7753615, east: -122.3957703, north: 37.7917798 } as const;

export const insideDowntown = (p: Point) =>
	p.long >= DOWNTOWN_BBOX.west && p.long <= DOWNTOWN_BBOX.east && p.lat >= DOWNTOWN_BBOX.south && p.lat <= DOWNTOWN_BBOX.north;

/** Flags on a re-dated demo order: a plain marker and the original request time. */
export const REDATED_FLAG = 'demo_redated';
export const ORIGINAL_REQUESTED_FLAG_PREFIX = 'original_requested_datetime:';

// ---------------------------------------------------------------------------------------------------------
// One case -> one work order
// ---------------------------------------------------------------------------------------------------------

/**
 * Resolution of an imported closed case, read from SF's Status.Notes ("Case is a Duplicate - …",
 * "Case Transferred - …", "DPT Abandoned Vehicles- Gone on arrival …"). Ordered, first match wins; a code the
 * service type does not offer falls through to the next rule. No match (or no notes): "completed" — SF closed it.
 */
export const RESOLUTION_RULES: readonly { pattern: RegExp; codes: readonly string[] }[] = [
	{ pattern: /duplicate/i, codes: ['duplicate'] },
	{ pattern: /gone on arrival|\bGOA\b/i, codes: ['gone_on_arrival', 'no_issue_found'] },
	{ pattern: /\btowed\b/i, codes: ['towed'] },
	{ pattern: /transferred|referred|forwarded|\bto (muni )?psr\b/i, codes: ['referred'] },
	{ pattern: /case is invalid|not found|unable to locate|no (issue|problem) found|nothing found/i, codes: ['no_issue_found'] },
	{ pattern: /cancel/i, codes: ['cancelled'] },
	{ pattern: /no response|insufficient|incomplete/i, codes: ['insufficient_info'] },
	{ pattern: /administrative closure/i, codes: ['administrative_closure'] },
	{ pattern: /graffiti removed|painted over/i, codes: ['removed'] }
];
export const DEFAULT_RESOLUTION = 'completed';

export function resolutionCodeFor(notes: string | null, offered: readonly string[]): string {
	if (notes !== null) {
		for (const rule of RESOLUTION_RULES) {
			if (!rule.pattern.test(notes)) continue;
			const code = rule.codes.find((c) => offered.includes(c));
			if (code) return code;
		}
	}
	return DEFAULT_RESOLUTION;
}

export interface CaseToOrderContext {
	/** Service types by service_code: name, SLA and resolution codes of the case's category. */
	serviceTypes: ReadonlyMap<string, Pick<ServiceType, 'service_code' | 'service_name' | 'sla_hours' | 'resolution_codes'>>;
}

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** "Request.Type / Request.Details", the details left out when they only repeat the type. */
export function describeCase(c: Pick<Sf311Case, 'request_type' | 'request_details' | 'category'>): string {
	const parts = [c.request_type, c.request_details].filter((p): p is string => p !== null);
	const unique = parts.filter((p, i) => parts.indexOf(p) === i);
	return truncate(unique.length > 0 ? unique.join(' / ') : c.category, DESCRIPTION_MAX);
}

function importEntry(c: Sf311Case, at: string): HistoryEntry {
	return {
		action_id: `import:${c.case_id}`,
		action: 'import',
		at,
		by: IMPORT_AUTHOR,
		crew: null,
		outcome: 'applied',
		summary: `Imported from the SF 311 export: ${c.status}, queue "${c.agency}"`,
		visibility: 'internal'
	};
}

/**
 * One SF 311 case as a work order (validated by workOrderSchema). Closed cases keep SF's close time (even when
 * it is before the open time: flagged "closed_before_opened"), a resolution read from the notes, and the notes
 * as a public note. Open cases become status "new" in their department's queue. The export has no reporter.
 */
export function caseToWorkOrder(c: Sf311Case, ctx: CaseToOrderContext): WorkOrder {
	const serviceCode = serviceCodeForCategory(c.category);
	const type = ctx.serviceTypes.get(serviceCode);
	const closed = c.status === 'closed';
	// A closed case without a Closed time closes at its last update (flagged "closed_time_missing" by the parser).
	const closedAt = closed ? (c.closed ?? c.updated ?? c.opened) : null;
	const updatedAt = c.updated ?? closedAt ?? c.opened;
	const notes = c.status_notes === null ? null : truncate(c.status_notes, NOTE_MAX);
	const publicNotes: PublicNote[] =
		closedAt !== null && notes !== null ? [{ at: closedAt, text: notes, status: 'closed', action_id: null }] : [];
	const requestType = c.request_type === null ? '' : requestTypeKey(c.request_type);
	return workOrderSchema.parse({
		_id: workOrderDocId(c.case_id),
		type: 'work_order',
		service_request_id: c.case_id,
		service_code: serviceCode,
		service_name: type?.service_name ?? c.category,
		description: describeCase(c),
		agency_responsible: c.agency,
		status_notes: notes,
		address: c.address,
		zipcode: c.zip,
		lat: c.lat,
		long: c.long,
		media_url: c.media_url,
		requested_datetime: c.opened,
		updated_datetime: updatedAt,
		expected_datetime: type ? formatSfIso(addHours(new Date(c.opened), type.sla_hours)) : null,
		closed_datetime: closedAt,
		attributes: requestType ? { [REQUEST_TYPE_ATTRIBUTE]: requestType } : {},
		status: closed ? 'closed' : 'new',
		priority: 'normal',
		crew: null,
		department: departmentIdForQueue(c.agency),
		assignments: [],
		neighborhood: c.neighborhood,
		supervisor_district: c.supervisor_district,
		duplicate_of: null,
		resolution:
			closedAt !== null
				? {
						code: resolutionCodeFor(c.status_notes, type?.resolution_codes.map((r) => r.code) ?? [DEFAULT_RESOLUTION]),
						note: notes,
						at: closedAt,
						by: IMPORT_AUTHOR
					}
				: null,
		reporter: null,
		public_notes: publicNotes,
		history: [importEntry(c, updatedAt)],
		photos: [],
		applied_action_ids: [],
		source_channel: c.source,
		flags: [...c.flags]
	});
}

// ---------------------------------------------------------------------------------------------------------
// Demo crews and users
// ---------------------------------------------------------------------------------------------------------

interface DemoCrew {
	id: string;
	name: string;
	department: string;
	depot: Point & { name: string };
	service_codes: readonly string[];
	members: readonly { id: string; name: string }[];
}

/**
 * Five field crews around the downtown extract. Staging points are real street corners inside the bbox (the
 * real Public Works yard on Cesar Chavez St is off the offline map). Two cleaning crews share the busiest
 * service so the seed shows workload balancing.
 */
export const DEMO_CREWS: readonly DemoCrew[] = [
	{
		id: 'dpw-cleaning-1',
		name: 'Public Works Street Cleaning 1',
		department: 'dpw',
		depot: { name: 'Civic Center staging, Larkin St & Grove St', lat: 37.77866, long: -122.41676 },
		service_codes: ['street_and_sidewalk_cleaning', 'litter_receptacles'],
		members: [
			{ id: 'ana', name: 'Ana Morales' },
			{ id: 'ben', name: 'Ben Okafor' }
		]
	},
	{
		id: 'dpw-cleaning-2',
		name: 'Public Works Street Cleaning 2',
		department: 'dpw',
		depot: { name: 'SoMa staging, 5th St & Mission St', lat: 37.78271, long: -122.40724 },
		service_codes: ['street_and_sidewalk_cleaning', 'litter_receptacles'],
		members: [
			{ id: 'carla', name: 'Carla Nguyen' },
			{ id: 'dev', name: 'Dev Patel' }
		]
	},
	{
		id: 'dpw-graffiti-1',
		name: 'Public Works Graffiti Abatement',
		department: 'dpw',
		depot: { name: 'Union Square staging, Post St & Stockton St', lat: 37.78869, long: -122.40665 },
		service_codes: ['graffiti_public_property', 'graffiti_private_property', 'illegal_postings'],
		members: [
			{ id: 'eli', name: 'Eli Cohen' },
			{ id: 'fatima', name: 'Fatima Haddad' }
		]
	},
	{
		id: 'dpw-streets-1',
		name: 'Public Works Street Repair',
		department: 'dpw',
		depot: { name: 'Moscone staging, 4th St & Howard St', lat: 37.78361, long: -122.40113 },
		service_codes: ['street_defects', 'sidewalk_or_curb', 'blocked_street_or_sidewalk'],
		members: [
			{ id: 'gus', name: 'Gus Lindqvist' },
			{ id: 'hana', name: 'Hana Sato' }
		]
	},
	{
		id: 'sfmta-signs-1',
		name: 'SFMTA Sign Shop',
		department: 'sfmta',
		depot: { name: 'Market St & 10th St staging', lat: 37.77627, long: -122.41716 },
		service_codes: ['temporary_sign_request', 'sign_repair', 'color_curb'],
		members: [
			{ id: 'ivan', name: 'Ivan Petrov' },
			{ id: 'jun', name: 'Jun Park' }
		]
	}
];

/** Office roles: one each. */
export const DEMO_STAFF: readonly SessionUser[] = [
	{ id: 'supervisor', name: 'Sam Rivera', role: 'supervisor', crew: null },
	{ id: 'manager', name: 'Morgan Lee', role: 'manager', crew: null },
	{ id: 'admin', name: 'Alex Kim', role: 'admin', crew: null }
];

/** A demo user without credentials: the caller hashes a password and writes the User doc. */
export type SeedUser = SessionUser;

export function buildDemoCrews(): Crew[] {
	return DEMO_CREWS.map((c) =>
		crewSchema.parse({
			_id: crewDocId(c.id),
			type: 'crew',
			id: c.id,
			name: c.name,
			department: c.department,
			members: c.members.map((m) => m.id),
			depot: { ...c.depot },
			service_codes: [...c.service_codes],
			last_position: null
		})
	);
}

export function buildDemoUsers(): SeedUser[] {
	const crewMembers = DEMO_CREWS.flatMap((c) =>
		c.members.map((m): SeedUser => ({ id: m.id, name: m.name, role: 'crew', crew: c.id }))
	);
	return [...crewMembers, ...DEMO_STAFF.map((u) => ({ ...u }))];
}

// ---------------------------------------------------------------------------------------------------------
// Today's working set
// ---------------------------------------------------------------------------------------------------------

/**
 * The same San Francisco wall-clock time of day as `original`, on `now`'s San Francisco date; never later than
 * `now` (clamped to `now`, whole seconds). ISO with the SF offset.
 */
export function redateToToday(original: string, now: Date): string {
	const then = new TZDate(Date.parse(original), SF_TIME_ZONE);
	const today = new TZDate(+now, SF_TIME_ZONE);
	const moved = new TZDate(
		today.getFullYear(),
		today.getMonth(),
		today.getDate(),
		then.getHours(),
		then.getMinutes(),
		then.getSeconds(),
		SF_TIME_ZONE
	);
	return formatSfIso(Math.min(+moved, +now));
}

/** Midnight starting `now`'s San Francisco day. */
export function startOfSfDay(now: Date): string {
	return formatSfIso(startOfDay(new TZDate(+now, SF_TIME_ZONE)));
}

/**
 * Crews able to take an order: they handle its service code AND belong to its department (a USPS mailbox's
 * graffiti is not Public Works' to paint over: it stays in the queue for the supervisor).
 */
const crewsFor = (order: WorkOrder, crews: readonly Crew[]) =>
	crews.filter((c) => c.service_codes.includes(order.service_code) && c.department === order.department);

/**
 * Assigns each order (in the given order) to the least-loaded crew able to take it; equal load -> the crew
 * listed first. Orders no crew can take stay "new" with no crew, for the supervisor to dispatch.
 */
export function assignToCrews(orders: readonly WorkOrder[], crews: readonly Crew[], assignedAt: string): WorkOrder[] {
	const load = new Map(crews.map((c) => [c.id, 0]));
	return orders.map((order) => {
		const candidates = crewsFor(order, crews);
		if (candidates.length === 0) return order;
		const crew = candidates.reduce((best, c) => (load.get(c.id)! < load.get(best.id)! ? c : best));
		load.set(crew.id, load.get(crew.id)! + 1);
		return workOrderSchema.parse({
			...order,
			status: 'assigned',
			crew: crew.id,
			assignments: [...order.assignments, { crew: crew.id, from: assignedAt }],
			// As a supervisor's assign records it, so the status page and Open311 updates show the step.
			history: [
				...order.history,
				{
					action_id: `seed-assign:${order.service_request_id}`,
					action: 'assign',
					at: Date.parse(order.requested_datetime) > Date.parse(assignedAt) ? order.requested_datetime : assignedAt, // never before it came in
					by: IMPORT_AUTHOR,
					crew: null,
					outcome: 'applied',
					summary: `Assigned to crew ${crew.id}`,
					visibility: 'internal',
					status: 'assigned'
				}
			]
		});
	});
}

/** A historic open case moved to today: re-dated, the original time kept in the flags, SLA recomputed. */
function asTodayOrder(order: WorkOrder, now: Date, slaHours: number | undefined): WorkOrder {
	const requested = redateToToday(order.requested_datetime, now);
	return workOrderSchema.parse({
		...order,
		requested_datetime: requested,
		updated_datetime: requested,
		expected_datetime: slaHours === undefined ? null : formatSfIso(addHours(new Date(requested), slaHours)),
		history: order.history.map((h) => ({ ...h, at: requested })),
		flags: [...order.flags, REDATED_FLAG, `${ORIGINAL_REQUESTED_FLAG_PREFIX}${order.requested_datetime}`]
	});
}

export interface DemoSeed {
	departments: Department[];
	serviceTypes: ServiceType[];
	crews: Crew[];
	/** No password hashes: the caller hashes and writes User docs. */
	users: SeedUser[];
	/** Every case except those in `today` (same _ids would collide), in input order. */
	history: WorkOrder[];
	/** Today's working set: open downtown cases re-dated to `now`, assigned where a crew can take them. */
	today: WorkOrder[];
}

const byRequestedThenId = (a: WorkOrder, b: WorkOrder) =>
	Date.parse(a.requested_datetime) - Date.parse(b.requested_datetime) ||
	Number(a.service_request_id) - Number(b.service_request_id);

/** The demo data set from the SF 311 sample (see the module comment). Deterministic for the same cases and `now`. */
export function buildDemoSeed(cases: readonly Sf311Case[], now: Date): DemoSeed {
	const departments = buildDepartments(cases.map((c) => c.agency));
	const serviceTypes = buildServiceTypes(cases);
	const typeByCode = new Map(serviceTypes.map((t) => [t.service_code, t]));
	const crews = buildDemoCrews();
	const ctx: CaseToOrderContext = { serviceTypes: typeByCode };

	const orders = cases.map((c) => caseToWorkOrder(c, ctx));
	const todayCandidates = orders
		.filter((o) => o.status !== 'closed' && insideDowntown(o))
		.map((o) => asTodayOrder(o, now, typeByCode.get(o.service_code)?.sla_hours))
		.sort(byRequestedThenId);
	const today = assignToCrews(todayCandidates, crews, startOfSfDay(now));
	const todayIds = new Set(today.map((o) => o._id));

	return {
		departments,
		serviceTypes,
		crews,
		users: buildDemoUsers(),
		history: orders.filter((o) => !todayIds.has(o._id)),
		today
	};
}
