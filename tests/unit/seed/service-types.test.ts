import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceTypeSchema, type ServiceType } from '../../../src/lib/domain';
import { departmentIdForQueue } from '../../../src/lib/server/seed/departments';
import {
	buildServiceTypes,
	REQUEST_TYPE_ATTRIBUTE,
	requestTypeKey,
	SERVICE_PROFILES,
	slugify
} from '../../../src/lib/server/seed/service-types';
import { parseSf311Csv, type Sf311Case } from '../../../src/lib/server/seed/sf311-csv';

const CSV_PATH = new URL('../../../seed/sf311/sf311_cases_sample_2008-2016.csv', import.meta.url);

/** The service_code values of seed data's GeoReport v2 JSON (same slug rule). */
const GEOREPORT_CODES = [
	'311_external_request',
	'abandoned_vehicle',
	'blocked_street_or_sidewalk',
	'catch_basin_maintenance',
	'color_curb',
	'damaged_property',
	'dpw_volunteer_programs',
	'general_requests',
	'graffiti_private_property',
	'graffiti_public_property',
	'illegal_postings',
	'interdepartmental_request',
	'litter_receptacles',
	'muni_feedback',
	'noise_report',
	'rec_and_park_requests',
	'residential_building_request',
	'sewer_issues',
	'sfha_requests',
	'sidewalk_or_curb',
	'sign_repair',
	'street_and_sidewalk_cleaning',
	'street_defects',
	'streetlights',
	'temporary_sign_request',
	'tree_maintenance'
];

let cases: Sf311Case[];
let types: ServiceType[];
const byCode = (code: string) => types.find((t) => t.service_code === code)!;
beforeAll(async () => {
	cases = (await parseSf311Csv(readFileSync(CSV_PATH, 'utf8'))).rows;
	types = buildServiceTypes(cases);
});

describe('slugify', () => {
	it('follows the GeoReport JSON rule', () => {
		expect(slugify('Street and Sidewalk Cleaning')).toBe('street_and_sidewalk_cleaning');
		expect(slugify('Blocked Street or SideWalk')).toBe('blocked_street_or_sidewalk');
		expect(slugify('311 External Request')).toBe('311_external_request');
		expect(slugify('Abandoned Vehicle - ')).toBe('abandoned_vehicle');
		expect(slugify('homeless_concerns - aggressive_behavior - request_for_service')).toBe(
			'homeless_concerns_aggressive_behavior_request_for_service'
		);
		expect(slugify('x'.repeat(80))).toHaveLength(64);
	});
});

describe('buildServiceTypes on the real sample', () => {
	it('builds the 26 service types with the GeoReport codes, each a valid ServiceType doc', () => {
		expect(types.map((t) => t.service_code)).toEqual(GEOREPORT_CODES);
		for (const t of types) {
			expect(serviceTypeSchema.parse(t)).toEqual(t);
			expect(t._id).toBe(`service_type:${t.service_code}`);
			expect(t.description.length).toBeGreaterThan(20);
			expect(t.keywords.length).toBeGreaterThan(0);
			expect(SERVICE_PROFILES[t.service_code], t.service_code).toBeDefined();
		}
		expect(byCode('street_and_sidewalk_cleaning').service_name).toBe('Street and Sidewalk Cleaning');
	});

	it('gives every type "duplicate" among unique resolution codes', () => {
		for (const t of types) {
			const codes = t.resolution_codes.map((r) => r.code);
			expect(codes).toContain('duplicate');
			expect(codes).toContain('completed');
			expect(new Set(codes).size).toBe(codes.length);
		}
		expect(byCode('abandoned_vehicle').resolution_codes.map((r) => r.code)).toContain('towed');
	});

	it('picks the most frequent normalised department of each category', () => {
		for (const t of types) {
			const counts = new Map<string, number>();
			for (const c of cases.filter((c) => slugify(c.category) === t.service_code)) {
				const d = departmentIdForQueue(c.agency);
				counts.set(d, (counts.get(d) ?? 0) + 1);
			}
			const max = Math.max(...counts.values());
			expect(counts.get(t.department), t.service_code).toBe(max);
		}
		expect(byCode('street_and_sidewalk_cleaning').department).toBe('dpw');
		expect(byCode('abandoned_vehicle').department).toBe('sfmta');
		expect(byCode('sfha_requests').department).toBe('sfha');
		expect(byCode('sewer_issues').department).toBe('puc');
		expect(byCode('tree_maintenance').department).toBe('dpw');
		expect(byCode('rec_and_park_requests').department).toBe('rpd');
		expect(byCode('streetlights').department).toBe('pge'); // 76 PG&E vs 68 SFPUC cases
	});

	it('sets demo SLAs, groups and the after-photo rule', () => {
		expect(byCode('graffiti_public_property')).toMatchObject({ group: 'Graffiti', sla_hours: 48, requires_after_photo: true });
		expect(byCode('streetlights')).toMatchObject({ group: 'Utilities', sla_hours: 24 });
		expect(byCode('street_and_sidewalk_cleaning')).toMatchObject({ group: 'Streets', requires_after_photo: true });
		expect(byCode('street_defects').requires_after_photo).toBe(true);
		expect(byCode('sidewalk_or_curb').requires_after_photo).toBe(true);
		expect(byCode('abandoned_vehicle')).toMatchObject({ group: 'Vehicles', requires_after_photo: false });
		expect(byCode('sfha_requests')).toMatchObject({ group: 'Housing', requires_after_photo: false });
		expect(byCode('muni_feedback').group).toBe('Transit');
		expect(byCode('general_requests').group).toBe('General');
	});

	it('offers the Request.Type values seen for each category as an optional request_type list', () => {
		for (const t of types) {
			const seen = cases.filter((c) => slugify(c.category) === t.service_code && c.request_type !== null);
			const [attribute] = t.attributes;
			expect(t.attributes).toHaveLength(1);
			expect(attribute).toMatchObject({ code: REQUEST_TYPE_ATTRIBUTE, datatype: 'singlevaluelist', required: false, variable: true });
			const keys = attribute!.values!.map((v) => v.key);
			expect(new Set(keys).size).toBe(keys.length);
			expect([...keys].sort()).toEqual([...new Set(seen.map((c) => requestTypeKey(c.request_type!)))].sort());
			for (const v of attribute!.values!) expect(seen.some((c) => c.request_type === v.name)).toBe(true);
		}
		// Spellings that differ only in case or punctuation share one value, named by the commonest spelling.
		const sewer = byCode('sewer_issues').attributes[0]!.values!;
		expect(sewer.filter((v) => v.key === 'sewage_back_up')).toEqual([{ key: 'sewage_back_up', name: 'Sewage_back_up' }]);
		expect(byCode('general_requests').attributes[0]!.values).toHaveLength(92);
	});

	it('does not depend on the order of the cases', () => {
		expect(buildServiceTypes([...cases].reverse())).toEqual(types);
	});

	it('refuses two categories that would share one service code', () => {
		const a = { category: 'Sign Repair', agency: 'DPT Signal Queue', request_type: null };
		expect(() => buildServiceTypes([a, { ...a, category: 'Sign  repair' }])).toThrow(/share the service code/);
	});
});
