import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { departmentSchema } from '../../../src/lib/domain';
import { buildDepartments, DEPARTMENT_RULES, departmentIdForQueue } from '../../../src/lib/server/seed/departments';
import { parseSf311Csv, type Sf311Case } from '../../../src/lib/server/seed/sf311-csv';

const CSV_PATH = new URL('../../../seed/sf311/sf311_cases_sample_2008-2016.csv', import.meta.url);

let cases: Sf311Case[];
let queues: string[];
beforeAll(async () => {
	cases = (await parseSf311Csv(readFileSync(CSV_PATH, 'utf8'))).rows;
	queues = [...new Set(cases.map((c) => c.agency))].sort();
});

describe('departmentIdForQueue', () => {
	it.each([
		['DPW Ops Queue', 'dpw'],
		['DPW - Bureau of Street Environmental Services - G - Hold', 'dpw'],
		['Recology_Abandoned', 'recology'],
		['DPT Abandoned Vehicles Work Queue', 'sfmta'],
		["DPT SignShop Survey Tech - Patrick O'Malley Daly Queue", 'sfmta'],
		['SFMTA - Temporary Sign Request Approved Queue', 'sfmta'],
		['MUNI Work Queue', 'sfmta'],
		['Clear Channel - Transit Queue', 'sfmta'],
		['PUC Sewer Ops', 'puc'],
		['PUC Streetlights Hold Queue', 'puc'],
		['PG and E - Streetlights Queue', 'pge'],
		['zzRPD Urban Forestry Queue - DO NOT USE', 'rpd'],
		['RPD Park Service Area GGP Queue', 'rpd'],
		['311 HA SR Queue', 'sfha'],
		['311 HA SR Hold Queue', 'sfha'],
		['Housing Authority SR Queue', 'sfha'],
		['311 Supervisor Queue', 'city311'],
		['311 Service Request Queue - Hold', 'city311'],
		['DBI Housing Inspection Queue', 'dbi'],
		['DPH - Environmental Health - Tobacco Queue', 'dph'],
		['Police - Homeless Concerns Queue', 'sfpd'],
		['Fire Department - G', 'sffd'],
		['SFFD Support Services Queue', 'sffd'],
		['US Postal Service Maintenance Queue', 'usps'],
		['Treasurer/Tax Collector - G', 'other'],
		['Assessor - Real Property', 'other'],
		['Port Authority - G', 'other'],
		['A queue nobody has seen', 'other']
	])('%s -> %s', (queue, id) => {
		expect(departmentIdForQueue(queue)).toBe(id);
	});
});

describe('buildDepartments on the real sample', () => {
	it('maps every one of the 122 raw queues to exactly one department', () => {
		expect(queues).toHaveLength(122);
		const departments = buildDepartments(cases.map((c) => c.agency));
		const listed = departments.flatMap((d) => d.agency_queues);
		expect([...listed].sort()).toEqual(queues);
		for (const q of queues) {
			const owners = departments.filter((d) => d.agency_queues.includes(q)).map((d) => d.id);
			expect(owners).toEqual([departmentIdForQueue(q)]);
		}
	});

	it('gives valid Department docs with slug ids, one per rule, and real names', () => {
		const departments = buildDepartments(queues);
		expect(departments.map((d) => d.id)).toEqual(DEPARTMENT_RULES.map((r) => r.id));
		for (const d of departments) {
			expect(departmentSchema.parse(d)).toEqual(d);
			expect(d._id).toBe(`department:${d.id}`);
		}
		const name = (id: string) => departments.find((d) => d.id === id)?.name;
		expect(name('dpw')).toBe('San Francisco Public Works');
		expect(name('sfmta')).toBe('SF Municipal Transportation Agency');
		expect(name('puc')).toBe('SF Public Utilities Commission');
		expect(name('rpd')).toBe('Recreation and Park Department');
	});

	it('counts cases per department as documented in SOURCE.md and the report', () => {
		const counts: Record<string, number> = {};
		for (const c of cases) {
			const id = departmentIdForQueue(c.agency);
			counts[id] = (counts[id] ?? 0) + 1;
		}
		expect(counts).toEqual({
			dpw: 2633,
			sfmta: 926,
			recology: 442,
			puc: 311,
			sfha: 187,
			city311: 161,
			rpd: 83,
			pge: 78,
			other: 54,
			dph: 41,
			dbi: 28,
			sfpd: 22,
			usps: 11,
			sffd: 7
		});
	});

	it('does not depend on the order or repetition of the queues', () => {
		expect(buildDepartments([...queues].reverse().concat(queues))).toEqual(buildDepartments(queues));
	});
});
