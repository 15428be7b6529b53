import { describe, expect, it } from 'vitest';
import { parseServiceRequestInput, validateAttributes, type Open311Attribute } from '../../../src/lib/domain';
import {
	checkReport,
	coordText,
	emptyReportValues,
	fieldKind,
	groupServices,
	localToW3c,
	pinOf,
	readReportForm,
	reportArguments,
	type ReportValues
} from '../../../src/lib/resident/report-form';
import { statusView, uploadPath } from '../../../src/lib/resident/status-view';
import { workOrder } from '../domain/fixtures';

const TZ = 'America/Los_Angeles';
const MB = 1024 * 1024;

const file = (name: string, type: string, size: number) => ({ name, type, size });
const values = (over: Partial<ReportValues> = {}): ReportValues => ({ ...emptyReportValues(), ...over });

describe('readReportForm', () => {
	it('reads text fields, repeated attribute fields and the photo; ignores unknown fields', () => {
		const photo = file('p.jpg', 'image/jpeg', 1234);
		const { values: v, photo: got } = readReportForm<ReturnType<typeof file>>([
			['service_code', 'graffiti'],
			['description', 'Tag on the wall'],
			['lat', '37.78'],
			['long', '-122.40'],
			['attribute[request_type]', 'building'],
			['attribute[colours]', 'red'],
			['attribute[colours]', 'blue'],
			['api_key', 'nope'],
			['media', photo]
		]);
		expect(v.service_code).toBe('graffiti');
		expect(v.description).toBe('Tag on the wall');
		expect(v.attributes).toEqual({ request_type: ['building'], colours: ['red', 'blue'] });
		expect(v).not.toHaveProperty('api_key');
		expect(got).toBe(photo);
	});

	it('an empty file input (zero bytes) is no photo', () => {
		const { photo } = readReportForm([['media', file('', 'application/octet-stream', 0)]]);
		expect(photo).toBeNull();
	});
});

describe('reportArguments', () => {
	it('builds the Open311 arguments the intake parses, leaving out empty fields', () => {
		const args = reportArguments(
			values({ service_code: 'graffiti', description: '  Tag  ', lat: '37.78', long: '-122.4', email: 'a@example.org', attributes: { request_type: ['building'], empty: ['', ' '] } }),
			{ timeZone: TZ }
		);
		expect(Object.fromEntries(args)).toEqual({
			service_code: ['graffiti'],
			description: ['Tag'],
			lat: ['37.78'],
			long: ['-122.4'],
			email: ['a@example.org'],
			'attribute[request_type]': ['building']
		});
		const parsed = parseServiceRequestInput(args);
		expect(parsed.ok).toBe(true);
		if (parsed.ok) {
			expect(parsed.value).toMatchObject({ service_code: 'graffiti', lat: 37.78, long: -122.4, address_string: null, email: 'a@example.org' });
			expect(parsed.value.attributes.get('request_type')).toEqual(['building']);
		}
	});

	it('keeps a typed address as the location when there is no pin', () => {
		const parsed = parseServiceRequestInput(reportArguments(values({ service_code: 'x', address_string: 'Market St & 5th St' }), { timeZone: TZ }));
		expect(parsed.ok && parsed.value.address_string).toBe('Market St & 5th St');
		expect(parsed.ok && parsed.value.lat).toBeNull();
	});

	it('turns datetime-local answers into W3C date-times the attribute check accepts', () => {
		const args = reportArguments(values({ service_code: 'x', attributes: { seen: ['2026-01-15T08:30'] } }), { timeZone: TZ, datetimes: ['seen'] });
		expect(args.get('attribute[seen]')).toEqual(['2026-01-15T08:30:00-08:00']);
		const definition: Open311Attribute[] = [{ variable: true, code: 'seen', datatype: 'datetime', required: true, datatype_description: null, order: 1, description: 'When' }];
		expect(validateAttributes(definition, new Map([['seen', args.get('attribute[seen]')!]])).ok).toBe(true);
	});
});

describe('localToW3c', () => {
	it('uses the city offset, summer and winter', () => {
		expect(localToW3c('2026-07-01T12:00', TZ)).toBe('2026-07-01T12:00:00-07:00');
		expect(localToW3c('2026-12-01T12:00:30', TZ)).toBe('2026-12-01T12:00:30-08:00');
	});
	it('refuses what is not a datetime-local value', () => {
		expect(localToW3c('yesterday', TZ)).toBeNull();
		expect(localToW3c('', TZ)).toBeNull();
	});
});

describe('fieldKind', () => {
	it.each([
		['singlevaluelist', 'select'],
		['multivaluelist', 'checkboxes'],
		['string', 'text'],
		['text', 'textarea'],
		['number', 'number'],
		['datetime', 'datetime']
	] as const)('%s -> %s', (datatype, kind) => {
		expect(fieldKind({ variable: true, datatype })).toBe(kind);
	});
	it('an information-only attribute takes no input', () => {
		expect(fieldKind({ variable: false, datatype: 'string' })).toBe('info');
	});
});

describe('groupServices', () => {
	it('groups by group in name order, services by name', () => {
		const groups = groupServices([
			{ service_code: 'potholes', service_name: 'Street Defects', group: 'Streets' },
			{ service_code: 'graffiti', service_name: 'Graffiti', group: 'Graffiti' },
			{ service_code: 'cleaning', service_name: 'Cleaning', group: 'Streets' },
			{ service_code: 'other', service_name: 'Other', group: null }
		]);
		expect(groups.map((g) => g.group)).toEqual(['', 'Graffiti', 'Streets']);
		expect(groups[2]!.services.map((s) => s.code)).toEqual(['cleaning', 'potholes']);
	});
});

describe('pinOf and coordText', () => {
	it('reads a pin only when both coordinates are numbers', () => {
		expect(pinOf({ lat: '37.5', long: '-122.25' })).toEqual({ lat: 37.5, long: -122.25 });
		expect(pinOf({ lat: '37.5', long: '' })).toBeNull();
		expect(pinOf({ lat: 'abc', long: '1' })).toBeNull();
	});
	it('writes six decimals', () => {
		expect(coordText(37.123456789)).toBe('37.123457');
	});
});

describe('checkReport', () => {
	const opts = { lang: 'en' as const, maxUploadBytes: 10 * MB, serviceCodes: ['graffiti'] };
	const good = values({ service_code: 'graffiti', lat: '37.78', long: '-122.4' });

	it('accepts a complete report', () => {
		expect(checkReport(good, file('a.jpg', 'image/jpeg', MB), opts)).toEqual([]);
		expect(checkReport(values({ service_code: 'graffiti', address_string: 'Market St & 5th St' }), null, opts)).toEqual([]);
	});

	it('lists every problem at once, in the resident language', () => {
		const errors = checkReport(values({ description: 'x'.repeat(5000) }), file('a.gif', 'image/gif', 10), opts);
		expect(errors).toEqual([
			'Choose what kind of problem it is.',
			'The description is too long: 5,000 characters, at most 4,000.',
			'Say where it is: tap the map to place the pin, use your location, or type a street corner.',
			'The photo must be a JPEG, PNG or WebP image.'
		]);
		const es = checkReport(values(), null, { ...opts, lang: 'es' });
		expect(es[0]).toBe('Elija qué tipo de problema es.');
	});

	it('refuses an unknown category and a photo over the limit', () => {
		expect(checkReport({ ...good, service_code: 'nope' }, null, opts)).toEqual(['That kind of problem is not on our list any more: choose another.']);
		expect(checkReport(good, file('a.png', 'image/png', 11 * MB), opts)).toEqual(['The photo is larger than 10 MB.']);
	});
});

describe('statusView', () => {
	it('shows the public facts in the chosen language and never the reporter', () => {
		const order = workOrder({ status: 'new', crew: null, assignments: [], expected_datetime: '2024-05-03T07:00:00Z', media_url: 'http://localhost:3000/media/uploads/rabc123.jpg' });
		const view = statusView(order, 'es', TZ);
		expect(view).toMatchObject({ id: '101', open: true, state: 'Abierta', status: 'Recibida', service: 'Pothole', address: '1 Market St', reporterPhoto: '/media/uploads/rabc123.jpg', closed: null, duplicate: null });
		expect(view.expected).toContain('2024');
		expect(view.timeline.map((s) => s.word)).toEqual(['Solicitud recibida']);
		const text = JSON.stringify(view);
		expect(text).not.toContain('rita@example.org');
		expect(text).not.toContain('Rita');
	});

	it('a linked duplicate names its parent; a closed one shows its close', () => {
		const view = statusView(workOrder({ status: 'closed', closed_datetime: '2024-05-02T07:00:00Z', duplicate_of: '55' }), 'en', TZ);
		expect(view.open).toBe(false);
		expect(view.duplicate).toEqual({ ref: '55', text: 'Closed together with request #55, which reported the same problem.', link: 'See request #55' });
		expect(view.closed).not.toBeNull();
		expect(view.expected).toBeNull();
	});

	it('uploadPath keeps only our own uploads', () => {
		expect(uploadPath('https://city.example/media/uploads/r1a2b.jpg')).toBe('/media/uploads/r1a2b.jpg');
		expect(uploadPath('https://elsewhere.example/photo.jpg')).toBeNull();
		expect(uploadPath(null)).toBeNull();
	});
});
