/**
 * Open-data exports (issue 08, first step) against the built app and its store over HTTP: CSV and GeoJSON of a
 * date range with the same rows as the store holds (counted here straight from the store), the open-data
 * columns, no reporter data, staff only, and bad ranges refused with a reason.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrder } from '../../src/lib/domain';
import { EXPORT_COLUMNS } from '../../src/lib/server/analytics/export';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { storeOf } from '../helpers/store';

let app: RunningApp;
let store: CouchClient;
let manager: Session;
let all: WorkOrder[];

beforeAll(async () => {
	app = await startApp({ env: { SEED: 'demo' } });
	store = await storeOf(app.dataDir);
	manager = new Session(app.url);
	expect((await manager.login('manager', DEMO_PASSWORD)).status).toBe(200);
	// A 2015 request whose reporter left a name, an e-mail and a phone (the seed's SF cases have none).
	const [model] = (await store.db('orders').find<WorkOrder>({ selector: { type: 'work_order', requested_datetime: { $gt: '2015-06', $lt: '2015-12' } }, limit: 1 })).docs;
	const { _rev, ...rest } = model!;
	void _rev;
	await store.db('orders').put({
		...rest,
		_id: 'order:export-reporter',
		service_request_id: 'export-reporter',
		reporter: { first_name: 'Priya', last_name: 'Privatename', email: 'priya.private@example.org', phone: '415-555-0199', notify: true, lang: 'en' }
	});
	all = (await store.db('orders').find<WorkOrder>({ selector: { type: 'work_order' }, limit: 100_000 })).docs;
}, 120_000);
afterAll(async () => {
	await app?.stop();
});

/** What the export should hold, computed from the store's documents without the app. */
const expected = (from: string, to: string, code?: string) =>
	all
		.filter((o) => Date.parse(o.requested_datetime) >= Date.parse(from) && Date.parse(o.requested_datetime) <= Date.parse(to))
		.filter((o) => !code || o.service_code === code)
		.map((o) => o.service_request_id)
		.sort();

describe('open-data exports', () => {
	it('CSV of a year: every request of the range once, the open-data columns, no reporter data', async () => {
		const res = await manager.request('GET', '/api/reports/requests.csv?start_date=2015-01-01&end_date=2015-12-31');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toBe('attachment; filename="requests-2015-01-01-to-2015-12-31.csv"');
		const text = await res.text();
		const rows = parse(text, { columns: true }) as Record<string, string>[];
		expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS]);
		const want = expected('2015-01-01T00:00:00-08:00', '2015-12-31T23:59:59.999-08:00'); // city days (San Francisco winter time)
		expect(want.length).toBeGreaterThan(1000); // more than one page of the store
		expect(rows.map((r) => r.service_request_id).sort()).toEqual(want);
		// Oldest first.
		const times = rows.map((r) => Date.parse(r.requested_datetime!));
		expect(times).toEqual([...times].sort((a, b) => a - b));
		expect(rows.map((r) => r.service_request_id)).toContain('export-reporter');
		for (const secret of ['Priya', 'Privatename', 'priya.private@example.org', '415-555-0199']) expect(text).not.toContain(secret);
	});

	it('GeoJSON of one service code: a point per request with its properties', async () => {
		const res = await manager.request('GET', '/api/reports/requests.geojson?start_date=2014-06-01&end_date=2015-05-31&service_code=street_and_sidewalk_cleaning');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('application/geo+json');
		const fc = (await res.json()) as { type: string; features: { geometry: { type: string; coordinates: [number, number] }; properties: Record<string, unknown> }[] };
		expect(fc.type).toBe('FeatureCollection');
		const want = expected('2014-06-01T00:00:00-07:00', '2015-05-31T23:59:59.999-07:00', 'street_and_sidewalk_cleaning');
		expect(want.length).toBeGreaterThan(0);
		expect(fc.features.map((f) => f.properties.service_request_id).sort()).toEqual(want);
		const f = fc.features[0]!;
		const o = all.find((x) => x.service_request_id === f.properties.service_request_id)!;
		expect(f.geometry).toEqual({ type: 'Point', coordinates: [o.long, o.lat] });
		expect(Object.keys(f.properties)).toEqual([...EXPORT_COLUMNS]);
	});

	it('an empty range is a valid empty file', async () => {
		const csv = await manager.request('GET', '/api/reports/requests.csv?start_date=2001-01-01&end_date=2001-01-31');
		expect((await csv.text()).trim()).toBe(EXPORT_COLUMNS.join(','));
		const geo = await manager.request('GET', '/api/reports/requests.geojson?start_date=2001-01-01&end_date=2001-01-31');
		expect(await geo.json()).toEqual({ type: 'FeatureCollection', features: [] });
	});

	it('refuses bad ranges with 400 and a reason, unknown formats with 404; crews 403, strangers 401', async () => {
		const reason = async (q: string) => {
			const res = await manager.request('GET', `/api/reports/requests.csv?${q}`);
			expect(res.status).toBe(400);
			return ((await res.json()) as { reason: string }).reason;
		};
		expect(await reason('start_date=yesterday')).toMatch(/start_date/);
		expect(await reason('start_date=2015-02-01&end_date=2015-01-01')).toMatch(/after/);
		expect(await reason('start_date=2010-01-01&end_date=2015-01-01')).toMatch(/366 days/);
		expect(await reason('service_code=')).toMatch(/service_code/);
		expect((await manager.request('GET', '/api/reports/requests.xlsx')).status).toBe(404);
		const crew = new Session(app.url);
		await crew.login('ana', DEMO_PASSWORD);
		expect((await crew.request('GET', '/api/reports/requests.csv')).status).toBe(403);
		expect((await fetch(`${app.url}/api/reports/requests.csv`)).status).toBe(401);
	});
});
