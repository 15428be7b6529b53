/**
 * The Open311 GeoReport v2 server (issue 07) against the built app and its store over HTTP: every response
 * validated with Ajv against the Open311 project's JSON Schemas (tests/fixtures/open311-schemas), every error
 * case of the spec, XML from the same model, tokens for batch services, duplicates and their notice, the
 * closing photo's public copy without EXIF, updates, CORS, API keys and the outbox.
 */
import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crewDbName, type WorkOrder } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { ROOT, Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';

const SCHEMAS = path.join(ROOT, 'tests', 'fixtures', 'open311-schemas');
const EXIF_PHOTO = path.join(ROOT, 'tests', 'fixtures', 'photos', 'camera-3000x2000-exif.jpg');
const NOT_A_PHOTO = path.join(ROOT, 'tests', 'fixtures', 'photos', 'not-a-photo.jpg');
// A spot on Market Street downtown (inside the service area and the street extract).
const SPOT = { lat: 37.7884, long: -122.4036 };

let app: RunningApp;
let store: CouchClient;
let admin: Session;
let supervisor: Session;
let apiKey: string;
const schema: Record<'services' | 'definition' | 'requests' | 'postResponse' | 'tokenResponse', ValidateFunction> = {} as never;

beforeAll(async () => {
	const ajv = new Ajv({ allErrors: true, strict: false });
	addFormats(ajv);
	ajv.addFormat('uid', true); // swagger.json's ids: any string
	for (const file of (await readdir(SCHEMAS)).filter((f) => f.endsWith('.json'))) {
		ajv.addSchema(JSON.parse(await readFile(path.join(SCHEMAS, file), 'utf8')) as object, file);
	}
	schema.services = ajv.getSchema('services.json')!;
	schema.definition = ajv.getSchema('service-definition.json')!;
	schema.requests = ajv.getSchema('requests.json')!;
	schema.postResponse = ajv.compile({ type: 'array', minItems: 1, items: { $ref: 'swagger.json#/definitions/RequestResponse' } });
	schema.tokenResponse = ajv.compile({ type: 'array', minItems: 1, items: { $ref: 'swagger.json#/definitions/TokenResponse' } });

	app = await startApp({ env: { SEED: 'demo', PUBLIC_URL: 'http://fieldwork.test', MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) } });
	store = await storeOf(app.dataDir);
	admin = new Session(app.url);
	supervisor = new Session(app.url);
	expect((await admin.login('admin', DEMO_PASSWORD)).status).toBe(200);
	expect((await supervisor.login('supervisor', DEMO_PASSWORD)).status).toBe(200);
	apiKey = await newKey('integration tests');
}, 120_000);
afterAll(async () => {
	await app?.stop();
});

const origin = () => ({ origin: app.url });
async function newKey(name: string): Promise<string> {
	const res = await admin.request('POST', '/api/admin/api-keys', { name }, origin());
	expect(res.status).toBe(201);
	return ((await res.json()) as { key: string }).key;
}

function valid(validate: ValidateFunction, data: unknown) {
	const ok = validate(data);
	expect(ok, JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
}

const get = (p: string, headers: Record<string, string> = {}) => fetch(app.url + p, { headers });
async function getJson<T>(p: string): Promise<T> {
	const res = await get(p);
	expect(res.status, `${p}: ${res.status}`).toBe(200);
	expect(res.headers.get('content-type')).toMatch(/^application\/json/);
	return (await res.json()) as T;
}
async function getXml(p: string): Promise<Record<string, unknown>> {
	const res = await get(p);
	expect(res.headers.get('content-type')).toMatch(/^(application|text)\/xml/);
	const text = await res.text();
	expect(XMLValidator.validate(text)).toBe(true);
	return new XMLParser({ parseTagValue: false }).parse(text) as Record<string, unknown>;
}

type Args = Record<string, string | number | string[] | undefined>;
function form(args: Args): URLSearchParams {
	const body = new URLSearchParams();
	for (const [k, v] of Object.entries(args)) {
		if (v === undefined) continue;
		for (const one of Array.isArray(v) ? v : [v]) body.append(k, String(one));
	}
	return body;
}
const post = (args: Args, format = 'json') => fetch(`${app.url}/open311/v2/requests.${format}`, { method: 'POST', body: form(args) });
const report = (args: Args = {}) => post({ api_key: apiKey, service_code: 'street_and_sidewalk_cleaning', ...SPOT, description: 'Boxes dumped on the sidewalk', ...args });

interface Answer {
	service_request_id?: string;
	token?: string;
	service_notice?: string;
}
async function created(res: Response): Promise<Answer> {
	const body = (await res.json()) as Answer[];
	expect(res.status, JSON.stringify(body)).toBe(201);
	valid(schema.postResponse, body);
	return body[0]!;
}
async function errorsOf(res: Response, status: number): Promise<string[]> {
	expect(res.headers.get('content-type')).toMatch(/^application\/json/);
	const body = (await res.json()) as { code: number; description: string }[];
	expect(res.status, JSON.stringify(body)).toBe(status);
	expect(Array.isArray(body)).toBe(true);
	for (const e of body) expect(e).toEqual({ code: status, description: expect.any(String) as string });
	return body.map((e) => e.description);
}
const order = (id: string) => store.db('orders').get<WorkOrder>(`order:${id}`);
const ordersCount = async () => (await store.db('orders').info()).doc_count;

describe('discovery and services', () => {
	it('discovery lists the v2 endpoint in JSON and XML', async () => {
		const json = await getJson<{ endpoints: { specification: string; url: string; formats: string[] }[] }>('/open311/discovery.json');
		expect(json.endpoints[0]).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2', url: 'http://fieldwork.test/open311/v2' });
		expect(json.endpoints[0]!.formats).toEqual(expect.arrayContaining(['application/json', 'text/xml']));
		const xml = await getXml('/open311/discovery.xml');
		expect(JSON.stringify(xml)).toContain('http://fieldwork.test/open311/v2');
	});

	it('services validate against the schema, carry groups and keywords, and XML says the same', async () => {
		const services = await getJson<{ service_code: string; type: string; group: string; metadata: boolean }[]>('/open311/v2/services.json');
		valid(schema.services, services);
		expect(services.length).toBeGreaterThan(10);
		expect(services.find((s) => s.service_code === 'street_and_sidewalk_cleaning')).toMatchObject({ type: 'realtime', metadata: true });
		expect(services.find((s) => s.service_code === '311_external_request')).toMatchObject({ type: 'batch' });
		const xml = (await getXml('/open311/v2/services.xml')) as { services: { service: { service_code: string }[] } };
		expect(xml.services.service.map((s) => s.service_code)).toEqual(services.map((s) => s.service_code));
	});

	it('a service definition lists its attributes; an unknown service is 404 in the spec format', async () => {
		const def = await getJson<{ service_code: string; attributes: { code: string; datatype: string; values: { key: string }[] }[] }>(
			'/open311/v2/services/street_and_sidewalk_cleaning.json'
		);
		valid(schema.definition, def);
		expect(def.attributes[0]).toMatchObject({ code: 'request_type', datatype: 'singlevaluelist' });
		expect(def.attributes[0]!.values.map((v) => v.key)).toContain('bulky_items');
		expect(await errorsOf(await get('/open311/v2/services/no_such_service.json'), 404)).toEqual([expect.stringMatching(/no_such_service/)]);
		const xml = await getXml('/open311/v2/services/no_such_service.xml');
		expect(xml).toMatchObject({ errors: { error: { code: '404' } } });
	});

	it('a path under /open311 that is no endpoint gets the spec error list, not an HTML page (found by fuzzing)', async () => {
		expect(await errorsOf(await get('/open311/v2/requests'), 404)).toEqual([expect.stringMatching(/no Open311 endpoint at \/open311\/v2\/requests: .*\.json or \.xml/)]);
		expect(await errorsOf(await get('/open311/v2/requests/a/b.json'), 404)).toHaveLength(1);
		// A name with a dot: the route splits it at the first dot, yet the answer is in the format the path ends with.
		expect(await getXml('/open311/v2/services/-9.4e-323.xml')).toMatchObject({ errors: { error: { code: '404', description: '"-9.4e-323" was not found' } } });
		expect(await errorsOf(await get('/open311/v2/requests/1.5.json'), 404)).toEqual(['"1.5" was not found']);
		expect(await getXml('/open311/v2/nothing.xml')).toMatchObject({ errors: { error: { code: '404' } } });
		// Not even valid percent-encoding: a 400 (SvelteKit's own answer was an HTML page and an "unexpected" log line).
		expect(await errorsOf(await get('/open311/v2/requests/%.json'), 400)).toEqual([expect.stringMatching(/percent-encoding/)]);
		expect(await errorsOf(await get('/open311/v2/requests/%E0%A4%A.json'), 400)).toHaveLength(1);
		expect((await get('/crew/%')).status).toBe(400);
		expect(app.logs()).not.toMatch(/\[error\] unexpected/);
	});

	it('an unknown format or jurisdiction is refused', async () => {
		expect((await get('/open311/v2/services.csv')).status).toBe(404);
		expect(await errorsOf(await get('/open311/v2/services.json?jurisdiction_id=elsewhere.gov'), 404)).toEqual([expect.stringMatching(/jurisdiction/)]);
		expect((await get('/open311/v2/services.json?jurisdiction_id=sfgov.org')).status).toBe(200);
	});
});

describe('GET requests', () => {
	type Req = { service_request_id: string; status: string; service_code: string; requested_datetime: string; lat: number; long: number; status_notes: string | null; media_url: string | null; service_notice: string | null };

	it('defaults to the last 90 days, at most 1,000, newest first, all valid with offset dates', async () => {
		const list = await getJson<Req[]>('/open311/v2/requests.json');
		valid(schema.requests, list);
		expect(list.length).toBeGreaterThan(0);
		expect(list.length).toBeLessThanOrEqual(1000);
		const ninetyDaysAgo = Date.now() - 90 * 24 * 3600 * 1000 - 60_000;
		for (const r of list) {
			expect(r.requested_datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
			expect(Date.parse(r.requested_datetime)).toBeGreaterThanOrEqual(ninetyDaysAgo);
		}
		const times = list.map((r) => Date.parse(r.requested_datetime));
		expect(times).toEqual([...times].sort((a, b) => b - a));
		// No private reporter data ever leaves through Open311.
		expect(JSON.stringify(list)).not.toMatch(/"(email|first_name|last_name|phone|reporter)"/);
	});

	it('filters by status, service_code list, dates, ids; pages and bbox as extensions', async () => {
		const open = await getJson<Req[]>('/open311/v2/requests.json?status=open&service_code=street_and_sidewalk_cleaning,graffiti_public_property');
		valid(schema.requests, open);
		expect(open.length).toBeGreaterThan(0);
		expect(open.every((r) => r.status === 'open' && ['street_and_sidewalk_cleaning', 'graffiti_public_property'].includes(r.service_code))).toBe(true);

		// The seeded history is SF's real 2008–2016 cases: ask for a quarter of 2015.
		const start = new Date('2015-01-01T00:00:00-08:00');
		const end = new Date('2015-03-31T00:00:00-07:00');
		const ranged = await getJson<Req[]>(`/open311/v2/requests.json?start_date=${start.toISOString()}&end_date=${end.toISOString()}&status=closed`);
		expect(ranged.length).toBeGreaterThan(0);
		expect(ranged.every((r) => r.status === 'closed' && Date.parse(r.requested_datetime) >= +start && Date.parse(r.requested_datetime) <= +end)).toBe(true);

		const page1 = await getJson<Req[]>('/open311/v2/requests.json?page_size=5&page=1');
		const page2 = await getJson<Req[]>('/open311/v2/requests.json?page_size=5&page=2');
		expect(page1).toHaveLength(5);
		expect(page2).toHaveLength(5);
		expect(page2.map((r) => r.service_request_id).some((id) => page1.some((p) => p.service_request_id === id))).toBe(false);

		// service_request_id overrides every other argument (even a range with nothing in it).
		const ids = [page1[0]!.service_request_id, page2[4]!.service_request_id];
		const byId = await getJson<Req[]>(`/open311/v2/requests.json?service_request_id=${ids.join(',')}&status=closed&status=open&start_date=2001-01-01T00:00:00Z&end_date=2001-01-02T00:00:00Z`);
		expect(byId.map((r) => r.service_request_id).sort()).toEqual([...ids].sort());

		const bbox = [-122.41, 37.785, -122.4, 37.792];
		const inBox = await getJson<Req[]>(`/open311/v2/requests.json?bbox=${bbox.join(',')}`);
		expect(inBox.length).toBeGreaterThan(0);
		expect(inBox.every((r) => r.long >= bbox[0]! && r.lat >= bbox[1]! && r.long <= bbox[2]! && r.lat <= bbox[3]!)).toBe(true);
	});

	it('once the request index has loaded every order (/healthz says so), searches answer as the store does', async () => {
		const health = await eventually(async () => {
			const h = (await (await get('/healthz')).json()) as { open311_index: { ready: boolean; requests: number } };
			return h.open311_index.ready ? h.open311_index : undefined;
		}, 30_000);
		expect(health.requests).toBe((await store.db('orders').find({ selector: { type: 'work_order' }, fields: ['_id'], limit: 100_000 })).docs.length);
		// The same 2015 quarter by id list (always from the store) and by dates (from the index).
		const q = 'start_date=2015-01-01T00:00:00-08:00&end_date=2015-03-31T00:00:00-07:00&status=closed&service_code=street_and_sidewalk_cleaning';
		const fromIndex = await getJson<{ service_request_id: string }[]>(`/open311/v2/requests.json?${q}`);
		expect(fromIndex.length).toBeGreaterThan(5);
		const ids = fromIndex.map((r) => r.service_request_id);
		const fromStore = await getJson<unknown[]>(`/open311/v2/requests.json?service_request_id=${ids.join(',')}`);
		expect(fromIndex).toEqual(fromStore);
	});

	it('XML is the same list, from the same model', async () => {
		const json = await getJson<Req[]>('/open311/v2/requests.json?page_size=3');
		const xml = (await getXml('/open311/v2/requests.xml?page_size=3')) as { service_requests: { request: { service_request_id: string; status: string; requested_datetime: string }[] } };
		expect(xml.service_requests.request.map((r) => [r.service_request_id, r.status, r.requested_datetime])).toEqual(json.map((r) => [r.service_request_id, r.status, r.requested_datetime]));
	});

	it('refuses ranges over 90 days, bad dates, statuses, pages and boxes with 400 and a reason', async () => {
		expect(await errorsOf(await get('/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z'), 400)).toEqual([
			expect.stringMatching(/90 days/)
		]);
		expect(await errorsOf(await get('/open311/v2/requests.json?start_date=yesterday'), 400)).toEqual([expect.stringMatching(/start_date/)]);
		expect(await errorsOf(await get('/open311/v2/requests.json?start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z'), 400)).toEqual([
			expect.stringMatching(/end_date|before/)
		]);
		expect((await errorsOf(await get('/open311/v2/requests.json?status=pending'), 400))[0]).toMatch(/status/);
		expect((await errorsOf(await get('/open311/v2/requests.json?page_size=5000'), 400))[0]).toMatch(/page_size/);
		expect((await errorsOf(await get('/open311/v2/requests.json?page=0'), 400))[0]).toMatch(/page/);
		expect((await errorsOf(await get('/open311/v2/requests.json?bbox=1,2,3'), 400))[0]).toMatch(/bbox/);
		const xml = await getXml('/open311/v2/requests.xml?start_date=nope');
		expect(xml).toMatchObject({ errors: { error: { code: '400' } } });
	});

	it('requests/{id} gives one request; unknown ids are 404', async () => {
		const [first] = await getJson<Req[]>('/open311/v2/requests.json?page_size=1');
		const one = await getJson<Req[]>(`/open311/v2/requests/${first!.service_request_id}.json`);
		valid(schema.requests, one);
		expect(one).toEqual([first]);
		expect(await errorsOf(await get('/open311/v2/requests/000000-NOPE0.json'), 404)).toEqual([expect.stringMatching(/000000-NOPE0/)]);
	});

	it('GETs carry CORS headers and answer the preflight', async () => {
		const res = await get('/open311/v2/services.json', { origin: 'https://some-app.example' });
		expect(res.headers.get('access-control-allow-origin')).toBe('*');
		const pre = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'OPTIONS', headers: { origin: 'https://some-app.example', 'access-control-request-method': 'POST' } });
		expect(pre.status).toBe(204);
		expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
	});
});

describe('POST requests', () => {
	it('creates an order routed to the department, findable at once, in JSON and XML', async () => {
		const answer = await created(await report({ 'attribute[request_type]': 'bulky_items', email: 'rita@example.org', first_name: 'Rita', lat: 37.7861, long: -122.4059 }));
		expect(answer.service_request_id).toMatch(/^\d{6}-[0-9A-Z]{5}$/);
		expect(answer.service_notice).toMatch(/usually resolved within/);
		const o = await order(answer.service_request_id!);
		expect(o).toMatchObject({ status: 'new', department: 'dpw', service_code: 'street_and_sidewalk_cleaning', attributes: { request_type: 'bulky_items' }, source_channel: 'open311' });
		expect(o.reporter).toMatchObject({ email: 'rita@example.org', first_name: 'Rita', notify: true });
		const [pub] = await getJson<{ service_request_id: string; status: string; agency_responsible: string; description: string }[]>(`/open311/v2/requests/${answer.service_request_id}.json`);
		expect(pub).toMatchObject({ status: 'open', agency_responsible: 'San Francisco Public Works', description: 'Boxes dumped on the sidewalk' });
		expect(JSON.stringify(pub)).not.toContain('rita@example.org');

		const res = await post({ api_key: apiKey, service_code: 'streetlights', lat: 37.7902, long: -122.4012, description: 'Lamp out' }, 'xml');
		expect(res.status).toBe(201);
		const text = await res.text();
		expect(XMLValidator.validate(text)).toBe(true);
		expect(text).toMatch(/<service_requests>\s*<request>\s*<service_request_id>\d{6}-[0-9A-Z]{5}<\/service_request_id>/);
	});

	it('takes JSON bodies, address_string instead of lat/long, and multi-value attributes', async () => {
		const res = await fetch(`${app.url}/open311/v2/requests.json`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ api_key: apiKey, service_code: 'graffiti_public_property', address_string: 'Market St & 4th St', description: 'Tag on the kiosk' })
		});
		const answer = await created(res);
		const o = await order(answer.service_request_id!);
		expect(o.lat).toBeCloseTo(37.7855, 2);
		expect(o.long).toBeCloseTo(-122.405, 2);
		expect(o.address).toMatch(/Market/i);
		// Multi-value lists: the type's attribute is a single-value list, so two values are refused with the reason.
		const twice = await report({ 'attribute[request_type]': ['bulky_items', 'automotive'] });
		expect((await errorsOf(twice, 400))[0]).toMatch(/request_type/);
	});

	it('a service with a required attribute and a multi-value list: the definition says so and POST holds to it', async () => {
		// A city configures such a type in its directory; the seed's SF types have only optional single lists.
		await store.db('directory').put({
			_id: 'service_type:pothole_test',
			type: 'service_type',
			service_code: 'pothole_test',
			service_name: 'Pothole (test)',
			description: 'A hole in the road surface.',
			group: 'Streets',
			keywords: ['pothole'],
			open311_type: 'realtime',
			department: 'dpw',
			sla_hours: 72,
			resolution_codes: [{ code: 'completed', label: 'Completed' }],
			requires_after_photo: false,
			attributes: [
				{ variable: true, code: 'depth', datatype: 'singlevaluelist', required: true, datatype_description: null, order: 1, description: 'How deep is it?', values: [{ key: 'shallow', name: 'Shallow' }, { key: 'deep', name: 'Deeper than 5 cm' }] },
				{ variable: true, code: 'lanes', datatype: 'multivaluelist', required: false, datatype_description: null, order: 2, description: 'Which lanes?', values: [{ key: 'bike', name: 'Bike lane' }, { key: 'car', name: 'Car lane' }, { key: 'bus', name: 'Bus lane' }] }
			]
		});
		const def = await getJson<{ attributes: { code: string; required: boolean; datatype: string }[] }>('/open311/v2/services/pothole_test.json');
		valid(schema.definition, def);
		expect(def.attributes.map((a) => [a.code, a.datatype, a.required])).toEqual([
			['depth', 'singlevaluelist', true],
			['lanes', 'multivaluelist', false]
		]);
		const base = { api_key: apiKey, service_code: 'pothole_test', lat: 37.7849, long: -122.4079 };
		expect((await errorsOf(await post(base), 400)).join()).toMatch(/attribute\[depth\] is required/);
		expect((await errorsOf(await post({ ...base, 'attribute[depth]': 'deep', 'attribute[lanes]': ['bike', 'tram'] }), 400)).join()).toMatch(/"tram"/);
		const answer = await created(await post({ ...base, 'attribute[depth]': 'deep', 'attribute[lanes]': ['bike', 'bus'] }));
		expect((await order(answer.service_request_id!)).attributes).toEqual({ depth: 'deep', lanes: ['bike', 'bus'] });
	});

	it('batch services answer with a token that tokens/{token} turns into the request id', async () => {
		const answer = await created(await post({ api_key: apiKey, service_code: '311_external_request', ...SPOT, description: 'Cable hanging low over the sidewalk' }));
		expect(answer.service_request_id).toBeUndefined();
		expect(answer.token).toMatch(/^[a-f0-9]{16,64}$/);
		const token = await getJson<{ service_request_id: string; token: string }[]>(`/open311/v2/tokens/${answer.token}.json`);
		valid(schema.tokenResponse, token);
		expect(token[0]!.token).toBe(answer.token);
		expect((await order(token[0]!.service_request_id)).service_code).toBe('311_external_request');
		expect(await errorsOf(await get('/open311/v2/tokens/deadbeefdeadbeef.json'), 404)).toHaveLength(1);
	});

	it('refuses every spec error case with its status and a reason, and writes nothing', async () => {
		const before = await ordersCount();
		expect(await errorsOf(await report({ api_key: undefined }), 403)).toEqual([expect.stringMatching(/api_key/)]);
		expect(await errorsOf(await report({ api_key: 'fw311_not-a-real-key' }), 403)).toEqual([expect.stringMatching(/api_key/)]);
		expect(await errorsOf(await report({ service_code: undefined }), 400)).toEqual([expect.stringMatching(/service_code/)]);
		expect(await errorsOf(await report({ service_code: 'no_such_service' }), 404)).toEqual([expect.stringMatching(/no_such_service/)]);
		expect((await errorsOf(await report({ lat: 'north', long: -122.4 }), 400)).join()).toMatch(/lat/);
		expect((await errorsOf(await report({ lat: 37.78, long: '-122.4.1' }), 400)).join()).toMatch(/long/);
		expect((await errorsOf(await report({ lat: 95, long: -122.4 }), 400)).join()).toMatch(/lat/);
		expect((await errorsOf(await report({ lat: undefined, long: undefined }), 400)).join()).toMatch(/lat|address_string/);
		expect((await errorsOf(await report({ lat: 40.7128, long: -74.006 }), 400)).join()).toMatch(/outside/);
		expect((await errorsOf(await report({ lat: undefined, long: undefined, address_string: '1 Nowhere Lane' }), 400)).join()).toMatch(/could not be found/);
		expect((await errorsOf(await report({ description: 'x'.repeat(4001) }), 400)).join()).toMatch(/4,?000/);
		expect((await errorsOf(await report({ 'attribute[request_type]': 'not_a_value' }), 400)).join()).toMatch(/request_type/);
		expect((await errorsOf(await report({ email: 'not-an-email' }), 400)).join()).toMatch(/email/);
		expect((await errorsOf(await report({ media_url: 'javascript:alert(1)' }), 400)).join()).toMatch(/media_url/);
		const plain = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
		expect((await errorsOf(plain, 400)).join()).toMatch(/x-www-form-urlencoded/);
		const badJson = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"api_key":' });
		expect(badJson.status).toBe(400);
		// JSON can spell a string no URL can hold (found by fuzzing: the service type look-up was a 500).
		const loneSurrogate = JSON.stringify({ api_key: apiKey, service_code: 'X', ...SPOT }).replace('"X"', '"\\ud800"');
		const surrogate = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: loneSurrogate });
		expect((await errorsOf(surrogate, 400)).join()).toMatch(/not valid Unicode/);
		// A code no service can have, a few KB long: refused without asking the store (found by fuzzing: the store
		// refused the document URL with 431, a 500 here).
		expect(await errorsOf(await report({ service_code: 'é'.repeat(3000) }), 404)).toEqual([expect.stringMatching(/was not found/)]);
		expect(await errorsOf(await get(`/open311/v2/services/${'%C3%A9'.repeat(2000)}.json`), 404)).toEqual([expect.stringMatching(/was not found/)]);
		// Errors in XML too.
		const xml = await post({ api_key: apiKey, ...SPOT }, 'xml');
		expect(xml.status).toBe(400);
		expect(await xml.text()).toMatch(/<errors>\s*<error>\s*<code>400<\/code>\s*<description>service_code was not provided<\/description>/);
		expect(await ordersCount()).toBe(before);
	});

	it('a refusal given before the body is read still answers, request after request on one connection (found by fuzzing)', async () => {
		const body = form({ api_key: apiKey, service_code: 'street_and_sidewalk_cleaning', ...SPOT, description: 'x'.repeat(1024 * 1024) });
		for (let i = 0; i < 4; i++) {
			expect(await errorsOf(await fetch(`${app.url}/open311/v2/requests.csv`, { method: 'POST', body }), 404)).toEqual([expect.stringMatching(/format/)]);
			expect(await errorsOf(await fetch(`${app.url}/open311/v2/requests.json?jurisdiction_id=elsewhere.gov`, { method: 'POST', body }), 404)).toEqual([
				expect.stringMatching(/jurisdiction/)
			]);
		}
	});

	it('a revoked key stops working; only admins manage keys, with clear errors', async () => {
		const key = await newKey('short-lived app');
		await created(await report({ api_key: key }));
		const list = await admin.request('GET', '/api/admin/api-keys');
		const rows = ((await list.json()) as { keys: { id: string; name: string; revoked_at: string | null }[] }).keys;
		const row = rows.find((r) => r.name === 'short-lived app')!;
		expect(JSON.stringify(rows)).not.toContain(key); // only a hash is kept
		expect((await admin.request('POST', `/api/admin/api-keys/${row.id}/revoke`, undefined, origin())).status).toBe(200);
		expect(await errorsOf(await report({ api_key: key }), 403)).toEqual([expect.stringMatching(/revoked/)]);

		expect((await admin.request('POST', '/api/admin/api-keys', { name: '' }, origin())).status).toBe(400);
		expect((await admin.request('POST', '/api/admin/api-keys', { name: 'x'.repeat(500) }, origin())).status).toBe(400);
		expect((await admin.request('POST', '/api/admin/api-keys', 'nope', { ...origin(), 'content-type': 'application/json' })).status).toBe(400);
		expect((await admin.request('POST', '/api/admin/api-keys/nope/revoke', undefined, origin())).status).toBe(404);
		expect((await supervisor.request('POST', '/api/admin/api-keys', { name: 'mine' }, origin())).status).toBe(403);
		expect((await supervisor.request('GET', '/api/admin/api-keys')).status).toBe(403);
		expect((await fetch(`${app.url}/api/admin/api-keys`)).status).toBe(401);
	});

	it('a photo upload is re-encoded without EXIF and served as media_url; bad photos are refused', async () => {
		const bytes = await readFile(EXIF_PHOTO);
		expect((await sharp(bytes).metadata()).exif).toBeDefined(); // the fixture has camera EXIF (with GPS)
		const body = new FormData();
		for (const [k, v] of form({ api_key: apiKey, service_code: 'street_and_sidewalk_cleaning', lat: 37.7921, long: -122.3971, description: 'Mattress' })) body.append(k, v);
		body.append('media', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'IMG_0001.jpg');
		const answer = await created(await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', body }));
		const [pub] = await getJson<{ media_url: string }[]>(`/open311/v2/requests/${answer.service_request_id}.json`);
		expect(pub!.media_url).toMatch(/^http:\/\/fieldwork\.test\/media\/uploads\/[a-z0-9]+\.jpg$/);
		const photo = await get(new URL(pub!.media_url).pathname);
		expect(photo.status).toBe(200);
		expect(photo.headers.get('content-type')).toBe('image/jpeg');
		const meta = await sharp(Buffer.from(await photo.arrayBuffer())).metadata();
		expect(meta.exif).toBeUndefined();
		expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(1600);

		const before = await ordersCount();
		const bad = new FormData();
		for (const [k, v] of form({ api_key: apiKey, service_code: 'street_and_sidewalk_cleaning', ...SPOT })) bad.append(k, v);
		bad.append('media', new Blob([new Uint8Array(await readFile(NOT_A_PHOTO))], { type: 'image/jpeg' }), 'x.jpg');
		expect((await errorsOf(await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', body: bad }), 400)).join()).toMatch(/photo|image/i);
		const other = new FormData();
		for (const [k, v] of form({ api_key: apiKey, service_code: 'street_and_sidewalk_cleaning', ...SPOT })) other.append(k, v);
		other.append('attachment', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'x.jpg');
		expect((await errorsOf(await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', body: other }), 400)).join()).toMatch(/media/);
		const big = new FormData();
		for (const [k, v] of form({ api_key: apiKey, service_code: 'street_and_sidewalk_cleaning', ...SPOT })) big.append(k, v);
		const huge = new Uint8Array(3 * 1024 * 1024);
		huge.set(bytes.subarray(0, 1024));
		big.append('media', new Blob([huge], { type: 'image/jpeg' }), 'huge.jpg');
		expect((await errorsOf(await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', body: big }), 413)).join()).toMatch(/larger than/);
		expect(await ordersCount()).toBe(before);
		expect((await get('/media/uploads/nope.jpg')).status).toBe(404);
	});
});

describe('duplicates, closing and updates', () => {
	it('a second report nearby is linked with a notice; closing the parent with a photo closes both; updates list the steps', async () => {
		const here = { lat: 37.7938, long: -122.3951 };
		const parent = await created(await report({ ...here, description: 'Couch on the sidewalk' }));
		const dup = await created(await report({ lat: here.lat + 0.0002, long: here.long, description: 'Old sofa dumped' })); // ~22 m away
		expect(dup.service_notice).toContain(`#${parent.service_request_id}`);
		expect((await order(dup.service_request_id!)).duplicate_of).toBe(parent.service_request_id);
		const [dupPub] = await getJson<{ service_notice: string; status: string }[]>(`/open311/v2/requests/${dup.service_request_id}.json`);
		expect(dupPub).toMatchObject({ status: 'open', service_notice: expect.stringContaining(`#${parent.service_request_id}`) as string });
		// Far away, or another type: not a duplicate.
		expect((await created(await report({ lat: here.lat + 0.002, long: here.long }))).service_notice).not.toMatch(/already reported/);
		expect((await created(await post({ api_key: apiKey, service_code: 'streetlights', ...here }))).service_notice).not.toMatch(/already reported/);

		// The supervisor assigns the parent; the crew closes it (as its tablet's sync writes it) with an after photo.
		const id = parent.service_request_id!;
		expect((await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'assign', payload: { crew: 'dpw-cleaning-1' } })).status).toBe(200);
		const actionId = randomUUID();
		const closedAt = new Date();
		await store.db(crewDbName('dpw-cleaning-1')).put({
			_id: `action:${actionId}`,
			type: 'field_action',
			id: actionId,
			action: 'close',
			order_id: id,
			crew: 'dpw-cleaning-1',
			author: 'ana',
			device_time: closedAt.toISOString(),
			base_rev: null,
			payload: { resolution_code: 'completed', public_note: 'Couch hauled away.', after_photo: 'after.jpg' },
			_attachments: { 'after.jpg': { content_type: 'image/jpeg', data: (await readFile(EXIF_PHOTO)).toString('base64') } }
		});
		await eventually(async () => ((await order(id)).status === 'closed' ? true : undefined), 10_000);
		const [closed] = await getJson<{ status: string; status_notes: string; media_url: string; updated_datetime: string }[]>(`/open311/v2/requests/${id}.json`);
		expect(closed).toMatchObject({ status: 'closed', status_notes: 'Couch hauled away.' });
		expect(Date.parse(closed!.updated_datetime)).toBe(Math.floor(+closedAt / 1000) * 1000);
		expect(closed!.media_url).toBe(`http://fieldwork.test/media/closing/${actionId}/after.jpg`);
		const photo = await get(new URL(closed!.media_url).pathname);
		expect(photo.status).toBe(200);
		const meta = await sharp(Buffer.from(await photo.arrayBuffer())).metadata();
		expect(meta.exif).toBeUndefined();
		expect(meta.format).toBe('jpeg');
		// Only photos an order marks public are served.
		expect((await get(`/media/closing/${actionId}/other.jpg`)).status).toBe(404);

		// The duplicate closes with it.
		await eventually(async () => ((await order(dup.service_request_id!)).status === 'closed' ? true : undefined), 10_000);
		const [dupClosed] = await getJson<{ status: string; service_notice: string; status_notes: string }[]>(`/open311/v2/requests/${dup.service_request_id}.json`);
		expect(dupClosed!.status).toBe('closed');
		expect(dupClosed!.service_notice).toMatch(new RegExp(`Closed with request #${id}`));

		// servicerequestupdates: each public step, with the closing photo on the close.
		const since = new Date(Date.now() - 3600_000).toISOString();
		const updates = await getJson<{ update_id: string; service_request_id: string; status: string; description: string; media_url: string | null; updated_datetime: string }[]>(
			`/open311/v2/servicerequestupdates.json?start_date=${since}`
		);
		const mine = updates.filter((u) => u.service_request_id === id);
		expect(mine.map((u) => u.status)).toEqual(['OPEN', 'ACTION_SCHEDULED', 'FIXED']);
		expect(mine.at(-1)).toMatchObject({ description: 'Couch hauled away.', media_url: closed!.media_url });
		expect(updates.filter((u) => u.service_request_id === dup.service_request_id).at(-1)).toMatchObject({ status: 'DUPLICATE' });
		for (const u of updates) expect(u.updated_datetime).toMatch(/[+-]\d\d:\d\d$/);
		const xml = (await getXml(`/open311/v2/servicerequestupdates.xml?start_date=${since}`)) as { service_request_updates: { request_update: unknown[] } };
		expect(xml.service_request_updates.request_update).toHaveLength(updates.length);
		expect((await errorsOf(await get('/open311/v2/servicerequestupdates.json?start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z'), 400))[0]).toMatch(/90 days/);
	});
});

describe('outbox without SMTP_URL', () => {
	it('keeps the mails for admins to read; others may not', async () => {
		const answer = await created(await report({ lat: 37.7895, long: -122.4005, email: 'outbox@example.org', description: 'Needles near the bench' }));
		const messages = await eventually(async () => {
			const res = await admin.request('GET', '/api/admin/outbox');
			const list = ((await res.json()) as { messages: { to: string; subject: string; state: string; order_id: string; text: string }[] }).messages;
			const mine = list.filter((m) => m.order_id === answer.service_request_id);
			return mine.length ? mine : undefined;
		}, 10_000);
		expect(messages[0]).toMatchObject({ to: 'outbox@example.org', state: 'kept' });
		expect(messages[0]!.subject).toContain(answer.service_request_id);
		expect(messages[0]!.text).toContain(`http://fieldwork.test/requests/${answer.service_request_id}`);
		expect((await supervisor.request('GET', '/api/admin/outbox')).status).toBe(403);
		expect((await fetch(`${app.url}/api/admin/outbox`)).status).toBe(401);
	});
});
