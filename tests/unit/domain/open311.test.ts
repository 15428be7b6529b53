/**
 * The Open311 model (issue 07) without a server: query and body parsing with the spec's rules, attribute
 * checks against a service definition, the order as a request, the public timeline and its updates.
 */
import { describe, expect, it } from 'vitest';
import {
	applyAll,
	parseRequestsQuery,
	parseServiceRequestInput,
	publicTimeline,
	toOpen311Request,
	toRequestUpdate,
	validateAttributes,
	argumentsFromJson,
	type ArgumentMap,
	type Open311Attribute
} from '../../../src/lib/domain';
import { pickLang } from '../../../src/lib/i18n/resident';
import { assign, at, close, context, enRoute, note, photoContext, unassignedOrder, uuid } from './fixtures';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 24 * 3600 * 1000;
const q = (s: string) => parseRequestsQuery(new URLSearchParams(s), NOW);
const args = (pairs: [string, string][]): ArgumentMap => {
	const m: ArgumentMap = new Map();
	for (const [k, v] of pairs) m.set(k, [...(m.get(k) ?? []), v]);
	return m;
};

describe('GET requests arguments', () => {
	it('defaults to the last 90 days and 1,000 per page', () => {
		const r = q('');
		expect(r.ok && r.value).toMatchObject({ ids: null, statuses: null, page: 1, pageSize: 1000, bbox: null });
		if (!r.ok) return;
		expect(+r.value.end).toBe(+NOW);
		expect(+r.value.end - +r.value.start).toBe(90 * DAY);
	});
	it('a start date alone runs 90 days from it (not past now); an end date alone runs 90 days back', () => {
		const a = q('start_date=2026-11-01T00:00:00Z');
		expect(a.ok && +a.value.end).toBe(+NOW);
		const b = q('start_date=2026-01-01T00:00:00-08:00');
		expect(b.ok && +b.value.end - +b.value.start).toBe(90 * DAY);
		const c = q('end_date=2026-06-01T00:00:00Z');
		expect(c.ok && +c.value.start).toBe(Date.parse('2026-06-01T00:00:00Z') - 90 * DAY);
	});
	it('refuses more than 90 days, a reversed range and dates without a zone', () => {
		const over = q('start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z');
		expect(over).toEqual({ ok: false, errors: [{ code: 400, description: 'start_date to end_date spans more than 90 days' }] });
		expect(q('start_date=2026-01-01T00:00:00Z&end_date=2026-03-31T00:00:00Z').ok).toBe(true);
		expect(q('start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z')).toMatchObject({ ok: false });
		expect(q('start_date=2026-03-01T00:00:00')).toMatchObject({ ok: false, errors: [{ code: 400, description: expect.stringContaining('time zone') as string }] });
	});
	it('a plain date must be a real calendar day (found by fuzzing: 9999-99-99 made servicerequestupdates a 500)', () => {
		const plain = q('start_date=2026-02-01');
		expect(plain.ok && +plain.value.start).toBe(Date.parse('2026-02-01T00:00:00Z'));
		expect(q('start_date=2024-02-29').ok).toBe(true);
		for (const day of ['9999-99-99', '2026-02-30', '2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31']) {
			expect(q(`start_date=${day}`), day).toMatchObject({ ok: false, errors: [{ code: 400, description: expect.stringContaining(`start_date "${day}"`) as string }] });
			expect(q(`end_date=${day}`), day).toMatchObject({ ok: false });
		}
	});
	it('status open means every open workflow status; open,closed means all', () => {
		const open = q('status=open');
		expect(open.ok && open.value.statuses).toEqual(['new', 'assigned', 'en_route', 'on_site']);
		const both = q('status=open,closed');
		expect(both.ok && both.value.statuses).toBeNull();
		expect(q('status=done')).toMatchObject({ ok: false });
	});
	it('service_request_id overrides everything else; lists are de-duplicated', () => {
		const r = q('service_request_id=1,2,2&status=closed&start_date=bad');
		expect(r.ok && r.value).toMatchObject({ ids: ['1', '2'], statuses: null, serviceCodes: null });
	});
	it('page, page_size and bbox are checked', () => {
		expect(q('page_size=1001')).toMatchObject({ ok: false });
		expect(q('page=-1')).toMatchObject({ ok: false });
		const box = q('bbox=-122.42,37.77,-122.39,37.80');
		expect(box.ok && box.value.bbox).toEqual({ west: -122.42, south: 37.77, east: -122.39, north: 37.8 });
		expect(q('bbox=-122.39,37.77,-122.42,37.80')).toMatchObject({ ok: false });
		expect(q('bbox=a,b,c,d')).toMatchObject({ ok: false });
	});
	it('reports every problem at once', () => {
		const r = q('page=0&status=x&bbox=1');
		expect(r.ok ? 0 : r.errors.length).toBe(3);
	});
});

describe('POST requests arguments', () => {
	const base: [string, string][] = [
		['service_code', 'pothole'],
		['lat', '37.78'],
		['long', '-122.41']
	];
	it('reads the spec fields and attribute[code] (repeated for lists)', () => {
		const r = parseServiceRequestInput(args([...base, ['email', 'a@b.org'], ['attribute[kind]', 'deep'], ['attribute[where][]', 'bike_lane'], ['attribute[where][]', 'crosswalk']]));
		expect(r.ok && r.value).toMatchObject({ service_code: 'pothole', lat: 37.78, long: -122.41, email: 'a@b.org' });
		expect(r.ok && [...r.value.attributes]).toEqual([
			['kind', ['deep']],
			['where', ['bike_lane', 'crosswalk']]
		]);
	});
	it('needs a service code and a location, and says which is wrong', () => {
		const r = parseServiceRequestInput(args([['lat', '91'], ['long', 'x']]));
		expect(r.ok ? [] : r.errors.map((e) => e.description)).toEqual([
			'service_code was not provided',
			'lat "91" is not a latitude (a number from -90 to 90)',
			'long "x" is not a longitude (a number from -180 to 180)'
		]);
		expect(parseServiceRequestInput(args([['service_code', 'p']]))).toMatchObject({ ok: false, errors: [{ description: expect.stringContaining('location') as string }] });
		expect(parseServiceRequestInput(args([['service_code', 'p'], ['lat', '37.7']]))).toMatchObject({ ok: false });
		expect(parseServiceRequestInput(args([['service_code', 'p'], ['address_string', 'Market St & 5th St']])).ok).toBe(true);
	});
	it('description up to 4,000 characters; a repeated field is an error', () => {
		expect(parseServiceRequestInput(args([...base, ['description', 'x'.repeat(4000)]])).ok).toBe(true);
		expect(parseServiceRequestInput(args([...base, ['description', 'x'.repeat(4001)]]))).toMatchObject({ ok: false });
		expect(parseServiceRequestInput(args([...base, ['service_code', 'other']]))).toMatchObject({ ok: false });
	});
	it('JSON bodies become the same arguments; nested objects are refused', () => {
		const j = argumentsFromJson({ service_code: 'pothole', lat: 37.78, long: -122.41, attribute: { where: ['a', 'b'] } });
		expect(j.ok && [...j.value]).toEqual([
			['service_code', ['pothole']],
			['lat', ['37.78']],
			['long', ['-122.41']],
			['attribute[where]', ['a', 'b']]
		]);
		expect(argumentsFromJson([1])).toMatchObject({ ok: false });
		expect(argumentsFromJson({ lat: { x: 1 } })).toMatchObject({ ok: false });
	});
});

describe('attributes against the service definition', () => {
	const def: Open311Attribute[] = [
		{ variable: true, code: 'kind', datatype: 'singlevaluelist', required: true, datatype_description: null, order: 1, description: 'What kind?', values: [{ key: 'deep', name: 'Deep' }, { key: 'shallow', name: 'Shallow' }] },
		{ variable: true, code: 'where', datatype: 'multivaluelist', required: false, datatype_description: null, order: 2, description: 'Where?', values: [{ key: 'bike_lane', name: 'Bike lane' }, { key: 'crosswalk', name: 'Crosswalk' }] },
		{ variable: true, code: 'size', datatype: 'number', required: false, datatype_description: 'in cm', order: 3, description: 'Size' },
		{ variable: false, code: 'info', datatype: 'text', required: false, datatype_description: null, order: 4, description: 'Call 911 if it is an emergency' }
	];
	it('keeps valid values: one for single lists, a de-duplicated list for multi lists', () => {
		const r = validateAttributes(def, new Map([['kind', ['deep']], ['where', ['bike_lane', 'crosswalk', 'bike_lane']], ['size', ['40']]]));
		expect(r).toEqual({ ok: true, value: { kind: 'deep', where: ['bike_lane', 'crosswalk'], size: '40' } });
	});
	it('refuses a missing required one, unknown values and codes, and values for information-only ones', () => {
		const r = validateAttributes(def, new Map([['where', ['roof']], ['size', ['big']], ['info', ['x']], ['colour', ['red']]]));
		expect(r.ok ? [] : r.errors.map((e) => e.description)).toEqual([
			expect.stringContaining('attribute[colour] is not an attribute'),
			expect.stringContaining('attribute[kind] is required'),
			expect.stringContaining('"roof" not among its values'),
			expect.stringContaining('attribute[size]'),
			expect.stringContaining('attribute[info] is information only')
		]);
	});
});

describe('an order as an Open311 request and its public timeline', () => {
	const order = unassignedOrder({ requested_datetime: '2024-05-01T00:00:00-07:00', updated_datetime: '2024-05-01T00:00:00-07:00' });
	const closedOrder = applyAll(
		order,
		[assign('crew-a', { id: uuid(1), time: at(0) }), enRoute({ id: uuid(2), time: at(10) }), note('Cones placed', 'public', { id: uuid(3), time: at(20) }), note('gate code 1234', 'internal', { id: uuid(4), time: at(21) }), close('repaired', { id: uuid(5), time: at(30) }, { public_note: 'Filled.', after_photo: 'after.jpg' })],
		photoContext()
	);

	it('closed: status_notes, the close time in the city zone, the public photo as media_url, no reporter data', () => {
		const r = toOpen311Request(closedOrder, 'https://311.example.gov', 'America/Los_Angeles');
		expect(r).toMatchObject({ status: 'closed', status_notes: 'Filled.', requested_datetime: '2024-05-01T00:00:00-07:00', updated_datetime: '2024-05-01T01:30:00-07:00' });
		expect(r.media_url).toBe(`https://311.example.gov/media/closing/${uuid(5)}/after.jpg`);
		expect(JSON.stringify(r)).not.toMatch(/rita|Resident/);
	});

	it('the timeline has the public steps only, in order, and updates map them to FixMyStreet statuses', () => {
		const steps = publicTimeline(closedOrder);
		expect(steps.map((s) => [s.step, s.note])).toEqual([
			['received', null],
			['assigned', null],
			['en_route', null],
			['note', 'Cones placed'],
			['closed', 'Filled.']
		]);
		expect(steps.at(-1)!.photo).toEqual({ action_id: uuid(5), attachment: 'after.jpg' });
		const updates = steps.map((s) => toRequestUpdate(closedOrder.service_request_id, s, true, 'https://x.gov', 'America/Los_Angeles'));
		expect(updates.map((u) => u.status)).toEqual(['OPEN', 'ACTION_SCHEDULED', 'IN_PROGRESS', 'IN_PROGRESS', 'FIXED']);
		expect(updates.at(-1)).toMatchObject({ updated_datetime: '2024-05-01T01:30:00-07:00', description: 'Filled.', media_url: `https://x.gov/media/closing/${uuid(5)}/after.jpg` });
		expect(toRequestUpdate('1', steps.at(-1)!, false, 'https://x.gov', 'UTC').status).toBe('CLOSED');
	});

	it('a refused close adds no public step and no public photo', () => {
		const refused = applyAll(order, [close('not-a-code', { id: uuid(9), time: at(5) })], context());
		expect(publicTimeline(refused).map((s) => s.step)).toEqual(['received']);
		expect(toOpen311Request(refused, 'https://x.gov', 'UTC').media_url).toBeNull();
	});
});

describe('resident language', () => {
	it('?lang wins, then the cookie, then Accept-Language by quality, else English', () => {
		expect(pickLang('es', 'en', 'en')).toBe('es');
		expect(pickLang(null, 'es', 'en-US')).toBe('es');
		expect(pickLang(null, undefined, 'fr-FR, es-MX;q=0.8, en;q=0.5')).toBe('es');
		expect(pickLang(null, undefined, 'es;q=0, en;q=0.1')).toBe('en');
		expect(pickLang('de', 'xx', 'de-DE')).toBe('en');
	});
});
