/**
 * The ServiceType documents (Open311 services) built from the SF 311 categories. Pure.
 *
 * service_code is the slug of the category, the same rule as seed data's GeoReport JSON
 * ("Street and Sidewalk Cleaning" -> "street_and_sidewalk_cleaning", "311 External Request" ->
 * "311_external_request"). The department of a type is the most frequent normalised department of its cases.
 *
 * SLA hours, groups, descriptions, keywords, resolution codes and the after-photo rule are hand-written demo
 * defaults (SERVICE_PROFILES below), not SF's official service levels: a city sets its own in the admin UI.
 */
import {
	open311AttributeSchema,
	serviceTypeDocId,
	serviceTypeSchema,
	type Open311Attribute,
	resolutionCodeSchema,
	type ResolutionCode,
	type ResolutionCodeInput,
	type ServiceType
} from '../../domain';
import { departmentIdForQueue, OTHER_DEPARTMENT } from './departments';
import type { Sf311Case } from './sf311-csv';

const SLUG_MAX = 64; // characters: the domain's slug limit

/** Lowercase; every run of characters other than a-z and 0-9 becomes "_"; no leading/trailing "_". */
/**
 * Services Open311 treats as `batch`: a POST answers with a token, the request id comes later from
 * tokens/{token}. SF311 holds external requests until it has routed them, which fits.
 */
export const BATCH_SERVICES: ReadonlySet<string> = new Set(['311_external_request']);

export function slugify(text: string): string {
	return text
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.slice(0, SLUG_MAX)
		.replace(/_+$/, '');
}

/** The service_code of an SF 311 Category. */
export const serviceCodeForCategory = (category: string) => slugify(category);

/** The key of a Request.Type value in the `request_type` attribute ("Sign - Defaced" -> "sign_defaced"). */
export const requestTypeKey = (requestType: string) => slugify(requestType);

export { REQUEST_TYPE_ATTRIBUTE } from '../../domain/analytics';
import { REQUEST_TYPE_ATTRIBUTE } from '../../domain/analytics';

export type ServiceGroup = 'Streets' | 'Graffiti' | 'Vehicles' | 'Housing' | 'Utilities' | 'Parks' | 'Transit' | 'General';

/** Demo default: typical minutes on site per group (the route solver's service time). */
const SERVICE_MINUTES: Readonly<Record<ServiceGroup, number>> = {
	Streets: 20,
	Graffiti: 30,
	Vehicles: 10,
	Housing: 30,
	Utilities: 25,
	Parks: 20,
	Transit: 15,
	General: 10
};

const HOURS_PER_DAY = 24;
const HOURS_PER_WEEK = 7 * HOURS_PER_DAY;

/** Every service type offers these; "duplicate" is required by the reducer's duplicate action. */
export const COMMON_RESOLUTION_CODES: readonly ResolutionCodeInput[] = [
	{ code: 'completed', label: 'Completed: the problem was fixed' },
	{ code: 'no_issue_found', label: 'No issue found on site', work_done: false },
	{ code: 'duplicate', label: 'Duplicate of an earlier request', work_done: false },
	{ code: 'referred', label: 'Referred to another agency or department', work_done: false },
	{ code: 'insufficient_info', label: 'Insufficient information to act (location or details missing)', work_done: false },
	{ code: 'cancelled', label: 'Cancelled by the requester or the city', work_done: false }
];

/** Extra resolution codes by group (added after the common ones). */
export const GROUP_RESOLUTION_CODES: Readonly<Record<ServiceGroup, readonly ResolutionCodeInput[]>> = {
	Streets: [{ code: 'scheduled_for_repair', label: 'Made safe; permanent repair scheduled' }],
	Graffiti: [
		{ code: 'removed', label: 'Removed or painted over' },
		{ code: 'owner_notified', label: 'Private property: owner sent a notice to remove', work_done: false }
	],
	Vehicles: [
		{ code: 'gone_on_arrival', label: 'Vehicle gone on arrival', work_done: false },
		{ code: 'vehicle_marked', label: 'Vehicle marked (72-hour notice)' },
		{ code: 'towed', label: 'Vehicle towed' }
	],
	Housing: [
		{ code: 'inspection_scheduled', label: 'Inspection scheduled', work_done: false },
		{ code: 'administrative_closure', label: 'Administrative closure', work_done: false }
	],
	Utilities: [{ code: 'repaired', label: 'Repaired' }],
	Parks: [
		{ code: 'repaired', label: 'Repaired' },
		{ code: 'pruned', label: 'Tree pruned or limb removed' }
	],
	Transit: [
		{ code: 'signs_posted', label: 'Signs posted or repaired' },
		{ code: 'feedback_forwarded', label: 'Feedback forwarded to the operator\u2019s division', work_done: false }
	],
	General: [{ code: 'information_provided', label: 'Information provided to the requester', work_done: false }]
};

export interface ServiceProfile {
	group: ServiceGroup;
	description: string;
	keywords: readonly string[];
	/** Demo default: hours from request to expected completion. */
	sla_hours: number;
	/** Physical work at the location: the crew closes with an "after" photo. */
	requires_after_photo: boolean;
}

/** Hand-written defaults per SF 311 category (by service_code). Unknown categories get DEFAULT_PROFILE. */
export const SERVICE_PROFILES: Readonly<Record<string, ServiceProfile>> = {
	street_and_sidewalk_cleaning: {
		group: 'Streets',
		description: 'Litter, dumped bulky items, hazardous materials, human or animal waste and encampment debris on a street or sidewalk.',
		keywords: ['garbage', 'trash', 'litter', 'bulky items', 'dumping', 'needles', 'waste', 'mattress', 'sweeping'],
		sla_hours: 2 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	litter_receptacles: {
		group: 'Streets',
		description: 'A public litter can that is overflowing, damaged or missing, or garbage toters left out on the sidewalk.',
		keywords: ['trash can', 'litter can', 'bin', 'overflowing', 'toter'],
		sla_hours: 1 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	blocked_street_or_sidewalk: {
		group: 'Streets',
		description: 'Construction materials, merchandise or other objects blocking a sidewalk, street or parking strip.',
		keywords: ['blocked', 'obstruction', 'construction materials', 'debris box', 'sidewalk'],
		sla_hours: 2 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	street_defects: {
		group: 'Streets',
		description: 'Potholes and pavement defects, missing manhole covers, shifted construction plates and utility excavations.',
		keywords: ['pothole', 'pavement', 'manhole', 'steel plate', 'road damage', 'excavation'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	sidewalk_or_curb: {
		group: 'Streets',
		description: 'Broken or lifted sidewalk, curb and curb-ramp defects, public stairways and side-sewer vent covers.',
		keywords: ['sidewalk', 'curb', 'curb ramp', 'trip hazard', 'stairway', 'vent cover'],
		sla_hours: 1 * HOURS_PER_WEEK,
		requires_after_photo: true
	},
	damaged_property: {
		group: 'Streets',
		description: 'Damaged city property on the street: parking meters, traffic signals, transit shelters, news racks, kiosks, benches.',
		keywords: ['parking meter', 'traffic signal', 'bus shelter', 'news rack', 'kiosk', 'bench', 'bike rack'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	graffiti_public_property: {
		group: 'Graffiti',
		description: 'Graffiti on public property: poles, signal boxes, mailboxes, transit shelters, street furniture and sidewalks.',
		keywords: ['graffiti', 'tagging', 'vandalism', 'paint', 'offensive'],
		sla_hours: 2 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	graffiti_private_property: {
		group: 'Graffiti',
		description: 'Graffiti on a private building, fence or wall visible from the street; the owner is notified to remove it.',
		keywords: ['graffiti', 'tagging', 'building', 'wall', 'private property'],
		sla_hours: 2 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	illegal_postings: {
		group: 'Graffiti',
		description: 'Posters and signs put up illegally on poles, trees or traffic lights (undated, too large, too high, over 70 days).',
		keywords: ['poster', 'flyer', 'sign', 'posting', 'pole'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	abandoned_vehicle: {
		group: 'Vehicles',
		description: 'A vehicle parked on a city street for more than 72 hours or apparently abandoned.',
		keywords: ['abandoned car', 'vehicle', '72 hour', 'parked', 'tow'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: false
	},
	sign_repair: {
		group: 'Transit',
		description: 'A traffic or parking sign that is defaced, bent, faded, missing or down.',
		keywords: ['stop sign', 'street sign', 'parking sign', 'bent', 'missing', 'stickers'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	temporary_sign_request: {
		group: 'Transit',
		description: 'Temporary no-parking signs for a move, an event, filming or tour buses.',
		keywords: ['no parking', 'moving', 'temporary sign', 'event', 'tow-away'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	color_curb: {
		group: 'Transit',
		description: 'Painting or repainting a curb red, yellow, white, green or blue (color curb program).',
		keywords: ['red curb', 'curb paint', 'loading zone', 'color curb'],
		sla_hours: 30 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	muni_feedback: {
		group: 'Transit',
		description: 'Feedback about Muni service, operators, vehicles and stations.',
		keywords: ['muni', 'bus', 'operator', 'driver', 'late', 'train'],
		sla_hours: 2 * HOURS_PER_WEEK,
		requires_after_photo: false
	},
	streetlights: {
		group: 'Utilities',
		description: 'A streetlight that is out, flickering, on all day or damaged.',
		keywords: ['streetlight', 'light out', 'flickering', 'lamp', 'pole'],
		sla_hours: 1 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	sewer_issues: {
		group: 'Utilities',
		description: 'Sewage backups, street flooding, water leaks, side-sewer problems and water-main breaks.',
		keywords: ['sewer', 'sewage', 'flooding', 'water leak', 'water main', 'odor'],
		sla_hours: 1 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	catch_basin_maintenance: {
		group: 'Utilities',
		description: 'A clogged, damaged or smelly storm-drain catch basin at the curb.',
		keywords: ['storm drain', 'catch basin', 'clogged drain', 'flooding'],
		sla_hours: 2 * HOURS_PER_DAY,
		requires_after_photo: true
	},
	tree_maintenance: {
		group: 'Parks',
		description: 'A street tree that is damaged, fallen, overgrown or damaging property; street landscaping.',
		keywords: ['tree', 'branch', 'limb', 'fallen tree', 'pruning', 'landscaping'],
		sla_hours: 1 * HOURS_PER_WEEK,
		requires_after_photo: true
	},
	rec_and_park_requests: {
		group: 'Parks',
		description: 'Maintenance, repair and safety problems in city parks, playgrounds and park buildings.',
		keywords: ['park', 'playground', 'restroom', 'bench', 'field', 'park patrol'],
		sla_hours: 1 * HOURS_PER_WEEK,
		requires_after_photo: true
	},
	sfha_requests: {
		group: 'Housing',
		description: 'Repair requests from residents of Housing Authority buildings, by priority (emergency, urgent, routine).',
		keywords: ['public housing', 'repair', 'apartment', 'leak', 'heat', 'sfha'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: false
	},
	residential_building_request: {
		group: 'Housing',
		description: 'Problems in a residential building: pests, no heat or hot water, mold, blocked exits, work without a permit.',
		keywords: ['building', 'landlord', 'rodents', 'bed bugs', 'heat', 'hot water', 'mold', 'permit'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: false
	},
	noise_report: {
		group: 'General',
		description: 'Noise from construction, garbage collection or other sources outside permitted hours.',
		keywords: ['noise', 'loud', 'construction noise', 'night'],
		sla_hours: 3 * HOURS_PER_DAY,
		requires_after_photo: false
	},
	general_requests: {
		group: 'General',
		description: 'A request or complaint for a city department that fits no other service type; routed to that department.',
		keywords: ['question', 'complaint', 'callback', 'other', 'information'],
		sla_hours: 5 * HOURS_PER_DAY,
		requires_after_photo: false
	},
	'311_external_request': {
		group: 'General',
		description: 'A request taken by SF311 for work outside the usual city queues, held by 311 until routed to the agency in charge.',
		keywords: ['311', 'external', 'utility lines', 'private property'],
		sla_hours: 5 * HOURS_PER_DAY,
		requires_after_photo: false
	},
	interdepartmental_request: {
		group: 'General',
		description: 'A service request from one city department to another.',
		keywords: ['interdepartmental', 'internal', 'department'],
		sla_hours: 5 * HOURS_PER_DAY,
		requires_after_photo: false
	},
	dpw_volunteer_programs: {
		group: 'General',
		description: 'Sign-ups and requests for Public Works volunteer programs such as Adopt-A-Street.',
		keywords: ['volunteer', 'adopt a street', 'community clean-up'],
		sla_hours: 2 * HOURS_PER_WEEK,
		requires_after_photo: false
	}
};

export const DEFAULT_PROFILE: ServiceProfile = {
	group: 'General',
	description: 'A San Francisco 311 service request.',
	keywords: [],
	sla_hours: 5 * HOURS_PER_DAY,
	requires_after_photo: false
};

export const profileFor = (serviceCode: string): ServiceProfile => SERVICE_PROFILES[serviceCode] ?? DEFAULT_PROFILE;

export function resolutionCodesFor(group: ServiceGroup): ResolutionCode[] {
	const codes = [...COMMON_RESOLUTION_CODES, ...GROUP_RESOLUTION_CODES[group]].map((c) => resolutionCodeSchema.parse(c));
	return codes.filter((c, i) => codes.findIndex((d) => d.code === c.code) === i);
}

/** The most frequent key; ties go to the alphabetically first key, so the result never depends on input order. */
function mostFrequent(counts: ReadonlyMap<string, number>): string | undefined {
	let best: [string, number] | undefined;
	for (const entry of counts) {
		if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] < best[0])) best = entry;
	}
	return best?.[0];
}

/** Code-unit order: the same everywhere (localeCompare depends on the runtime's locale data). */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function bump(map: Map<string, number>, key: string): void {
	map.set(key, (map.get(key) ?? 0) + 1);
}

interface CategoryStats {
	category: string;
	departments: Map<string, number>;
	/** request_type key -> raw spelling -> count ("Sewage_back_up" and "Sewage_Back_Up" share a key). */
	requestTypes: Map<string, Map<string, number>>;
}

function requestTypeAttribute(stats: CategoryStats): Open311Attribute | null {
	const values = [...stats.requestTypes]
		.map(([key, spellings]) => ({ key, name: mostFrequent(spellings) ?? key }))
		.sort((a, b) => byText(a.name.toLowerCase(), b.name.toLowerCase()) || byText(a.key, b.key));
	if (values.length === 0) return null;
	return open311AttributeSchema.parse({
		variable: true,
		code: REQUEST_TYPE_ATTRIBUTE,
		datatype: 'singlevaluelist',
		required: false,
		datatype_description: null,
		order: 1,
		description: `Which kind of ${stats.category} request is it?`,
		values
	});
}

/**
 * One ServiceType per distinct Category of `cases`, sorted by service_code. Deterministic for the same cases
 * in any order. Throws if two different categories slug to the same code (it would merge two services).
 */
export function buildServiceTypes(cases: Iterable<Pick<Sf311Case, 'category' | 'agency' | 'request_type'>>): ServiceType[] {
	const byCode = new Map<string, CategoryStats>();
	for (const c of cases) {
		const code = serviceCodeForCategory(c.category);
		let stats = byCode.get(code);
		if (!stats) {
			stats = { category: c.category, departments: new Map(), requestTypes: new Map() };
			byCode.set(code, stats);
		} else if (stats.category !== c.category) {
			throw new Error(`categories "${stats.category}" and "${c.category}" share the service code "${code}"`);
		}
		bump(stats.departments, departmentIdForQueue(c.agency));
		if (c.request_type !== null) {
			const key = requestTypeKey(c.request_type);
			if (key === '') continue;
			let spellings = stats.requestTypes.get(key);
			if (!spellings) stats.requestTypes.set(key, (spellings = new Map()));
			bump(spellings, c.request_type);
		}
	}
	return [...byCode.keys()].sort().map((code) => {
		const stats = byCode.get(code)!;
		const profile = profileFor(code);
		const attribute = requestTypeAttribute(stats);
		return serviceTypeSchema.parse({
			_id: serviceTypeDocId(code),
			type: 'service_type',
			service_code: code,
			service_name: stats.category,
			description: profile.description,
			group: profile.group,
			keywords: [...profile.keywords],
			open311_type: BATCH_SERVICES.has(code) ? 'batch' : 'realtime',
			department: mostFrequent(stats.departments) ?? OTHER_DEPARTMENT,
			sla_hours: profile.sla_hours,
			service_minutes: SERVICE_MINUTES[profile.group],
			resolution_codes: resolutionCodesFor(profile.group),
			requires_after_photo: profile.requires_after_photo,
			attributes: attribute ? [attribute] : []
		});
	});
}
