/**
 * Normalises SF 311 "Responsible.Agency" queue names (122 distinct in the sample: "DPW Ops Queue",
 * "Recology_Abandoned", "DPT SignShop Surveyed - Area 2 Queue", "zzRPD Urban Forestry Queue - DO NOT USE", …)
 * into a small set of departments. Pure.
 *
 * The rule table is ordered and the first match wins; the last rule catches everything, so every queue maps
 * somewhere. Rules match the queue's leading agency code, case-insensitively, after a "zz" prefix (SF311's
 * marker for retired queues) is ignored.
 *
 * | id       | queues (examples)                                                        | why                                    |
 * |----------|--------------------------------------------------------------------------|----------------------------------------|
 * | sfha     | 311 HA SR Queue, 311 HA SR Hold Queue, Housing Authority SR Queue        | "HA" = Housing Authority; 311 only holds them for SFHA |
 * | city311  | 311 Supervisor Queue, 311 Service Request Queue(- Hold), 311 Manager Queue | 311's own queues: not yet routed       |
 * | dpw      | DPW Ops Queue, DPW BSM/BSSR/BUF Queue, DPW - Bureau of … - G              | San Francisco Public Works             |
 * | recology | Recology_Abandoned, Recology_Litter, Recology_Overflowing                 | the city's refuse contractor, dispatched directly |
 * | sfmta    | DPT …, SFMTA - …, MUNI Work Queue, Clear Channel - Transit Queue          | DPT (Parking & Traffic) merged into SFMTA; Clear Channel maintains Muni shelters for SFMTA |
 * | puc      | PUC Sewer Ops, PUC Streetlights Queue, PUC - Water - G                    | SF Public Utilities Commission         |
 * | pge      | PG and E - Streetlights Queue                                            | PG&E owns part of the streetlights     |
 * | rpd      | RPD … Queue, RPD - … - G, zzRPD Urban Forestry Queue - DO NOT USE         | Recreation and Park Department         |
 * | dbi      | DBI Building/Housing/Inspection/Permit … Queue, DBI - Others - G          | Department of Building Inspection      |
 * | dph      | DPH - Environmental Health - G (- Tobacco Queue)                          | Department of Public Health            |
 * | sfpd     | Police - Homeless Concerns Queue, Police Department Administration - G    | Police Department                      |
 * | sffd     | SFFD … Queue, Fire Department - G                                        | Fire Department                        |
 * | usps     | US Postal Service Maintenance Queue                                      | mailboxes: federal, not city, work     |
 * | other    | Treasurer/Tax Collector - G, Assessor - …, Port Authority - G, Animal Care and Control - G, Technology - G, … | the long tail (1–24 cases each) |
 */
import { departmentDocId, departmentSchema, type Department } from '../../domain';

export interface DepartmentRule {
	id: string;
	name: string;
	short_name: string;
	/** Tested against the queue name without a leading "zz". */
	pattern: RegExp;
}

/** Ordered: first match wins. The last rule matches everything. */
export const DEPARTMENT_RULES: readonly DepartmentRule[] = [
	{ id: 'sfha', name: 'San Francisco Housing Authority', short_name: 'Housing Authority', pattern: /^(311 HA\b|Housing Authority\b|SFHA\b)/i },
	{ id: 'city311', name: 'SF311 Customer Service Center', short_name: '311', pattern: /^311\b/i },
	{ id: 'dpw', name: 'San Francisco Public Works', short_name: 'Public Works', pattern: /^(DPW|Public Works)\b/i },
	{ id: 'recology', name: 'Recology San Francisco (refuse contractor)', short_name: 'Recology', pattern: /^Recology/i },
	{
		id: 'sfmta',
		name: 'SF Municipal Transportation Agency',
		short_name: 'SFMTA',
		pattern: /^(DPT|SFMTA|MTA|MUNI|Clear Channel)\b/i
	},
	{ id: 'puc', name: 'SF Public Utilities Commission', short_name: 'SFPUC', pattern: /^(SF)?PUC\b|^Public Utilities/i },
	{ id: 'pge', name: 'Pacific Gas and Electric (PG&E)', short_name: 'PG&E', pattern: /^(PG ?(and|&) ?E|PGE)\b/i },
	{ id: 'rpd', name: 'Recreation and Park Department', short_name: 'Rec & Park', pattern: /^(RPD\b|Rec(reation)? (and|&) Park)/i },
	{ id: 'dbi', name: 'Department of Building Inspection', short_name: 'DBI', pattern: /^(DBI\b|Building Inspection)/i },
	{ id: 'dph', name: 'Department of Public Health', short_name: 'Public Health', pattern: /^(DPH\b|Public Health)/i },
	{ id: 'sfpd', name: 'San Francisco Police Department', short_name: 'SFPD', pattern: /^(SFPD\b|Police\b)/i },
	{ id: 'sffd', name: 'San Francisco Fire Department', short_name: 'SFFD', pattern: /^(SFFD\b|Fire Department)/i },
	{ id: 'usps', name: 'United States Postal Service', short_name: 'USPS', pattern: /^(US Postal Service|USPS)\b/i },
	{ id: 'other', name: 'Other city agencies', short_name: 'Other', pattern: /^/ }
];

export const OTHER_DEPARTMENT = 'other';

/** The normalised department id of a raw "Responsible.Agency" queue name. Never fails: unknown -> "other". */
export function departmentIdForQueue(queue: string): string {
	const name = queue.trim().replace(/^zz/i, '');
	return DEPARTMENT_RULES.find((rule) => rule.pattern.test(name))?.id ?? OTHER_DEPARTMENT;
}

/**
 * Department documents for every rule, in rule order, each listing (sorted, distinct) the raw queues seen in
 * `queues` that map to it. Departments with no queue in the data are kept: the import CLI may bring them.
 */
export function buildDepartments(queues: Iterable<string>): Department[] {
	const byDepartment = new Map<string, Set<string>>(DEPARTMENT_RULES.map((r) => [r.id, new Set<string>()]));
	for (const queue of queues) byDepartment.get(departmentIdForQueue(queue))?.add(queue);
	return DEPARTMENT_RULES.map((rule) =>
		departmentSchema.parse({
			_id: departmentDocId(rule.id),
			type: 'department',
			id: rule.id,
			name: rule.name,
			short_name: rule.short_name,
			agency_queues: [...(byDepartment.get(rule.id) ?? [])].sort()
		})
	);
}
