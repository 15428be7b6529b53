/**
 * Fuzzing (issue 09 "Reliability") with fast-check against the BUILT app: 10,000 generated requests by default,
 * valid and hostile mixed, each one answered without a 5xx, without a crash, every refusal a clear 4xx.
 *
 *  a. Open311 GET queries (4,000 runs): every endpoint, query strings of valid and hostile ids, codes, statuses,
 *     dates, pages, boxes, repeated and unknown parameters, unicode, long values, broken percent-encoding.
 *     A 4xx is the spec's error list ({code, description} in JSON, <errors> in XML); a 200 parses.
 *  b. Open311 POST bodies (3,000 runs): form, JSON and multipart reports with or without a valid api_key,
 *     valid and garbage fields and photos. A 201 names the request (or its token); afterwards every created
 *     request reads back and the store holds exactly the orders answered 201 — nothing half-written.
 *  c. Sync gateway writes (3,000 runs) as crew member ana: PUT and _bulk_docs of mutated actions, bodies that
 *     are not JSON, checkpoints, design documents, other crews' and the master databases, a few reads. A 4xx
 *     is CouchDB's {error, reason}; afterwards every accepted action is in the crew database once and reaches
 *     the actions log, and no refused one exists anywhere.
 *  d. The app is still healthy and alive and logged no unexpected error.
 *
 * FUZZ_RUNS_SCALE multiplies the runs (default 1 = 4,000 + 3,000 + 3,000; 0.1 for a quick pass, 10 for a long
 * one). FUZZ_SEED sets fast-check's seed (default a fixed one, so CI is repeatable; "random" draws one); a
 * failure prints the seed and the shrunk counter-example: re-run with FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crewDbName, MAX_ATTACHMENT_BYTES } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_CREW_MEMBER, DEMO_OTHER_CREW_MEMBER, DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';
import { base64, jpegOfSize, noteAction, tinyGif, tinyJpeg, tinyPng, tinyWebp, type Author } from '../helpers/sync-fixtures';

const SCALE = Number(process.env.FUZZ_RUNS_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * (Number.isFinite(SCALE) && SCALE > 0 ? SCALE : 1)));
const RUNS = { get: runs(4000), post: runs(3000), gateway: runs(3000) };
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20_261_109);
if (!Number.isSafeInteger(SEED)) throw new Error(`FUZZ_SEED must be a whole number or "random", not "${process.env.FUZZ_SEED}"`);
/** Each property's own seed (one FUZZ_SEED re-runs them all). */
const seedOf = (i: number) => (SEED + i * 7919) | 0;
const REQUEST_TIMEOUT_MS = 60 * 1000;
const PROPERTY_TIMEOUT_MS = 30 * 60 * 1000; // generous: the box is shared; CI's budget is the real limit

const MAX_UPLOAD_BYTES = 64 * 1024; // small, so oversize photos stay cheap
const SF = { west: -122.5155, south: 37.703, east: -122.355, north: 37.8324 }; // the default SERVICE_AREA_BBOX
const ANA: Author = { id: DEMO_CREW_MEMBER.username, crew: DEMO_CREW_MEMBER.crew };
const OWN_DB = crewDbName(ANA.crew);
const OTHER_DB = crewDbName(DEMO_OTHER_CREW_MEMBER.crew);

let app: RunningApp;
let store: CouchClient;
let ana: Session;
let apiKey: string;
/** What the app knows, fetched once: real values make part of the generated requests valid. */
let serviceCodes: string[] = [];
let definitions = new Map<string, { code: string; datatype: string; required: boolean; values: string[] }[]>();
let requestIds: string[] = [];
let crewOrderIds: string[] = [];
let realJpeg: Uint8Array;

beforeAll(async () => {
	console.info(`[fuzz] seed ${SEED}, runs ${RUNS.get} + ${RUNS.post} + ${RUNS.gateway} (FUZZ_SEED / FUZZ_RUNS_SCALE)`);
	app = await startApp({ env: { SEED: 'demo', PUBLIC_URL: 'http://fieldwork.test', MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
	store = await storeOf(app.dataDir);
	const admin = new Session(app.url);
	expect((await admin.login('admin', DEMO_PASSWORD)).status).toBe(200);
	const key = await admin.request('POST', '/api/admin/api-keys', { name: 'fuzzing' }, { origin: app.url });
	expect(key.status).toBe(201);
	apiKey = ((await key.json()) as { key: string }).key;
	ana = new Session(app.url);
	expect((await ana.login(ANA.id, DEMO_PASSWORD)).status).toBe(200);

	// Searches come from the request index once it has loaded (the first search starts it): wait for it, as
	// clients of a running server meet it.
	expect((await fetch(`${app.url}/open311/v2/requests.json?page_size=1`)).status).toBe(200);
	await eventually(async () => {
		const h = (await (await fetch(`${app.url}/healthz`)).json()) as { open311_index: { ready: boolean } };
		return h.open311_index.ready ? true : undefined;
	}, 60_000, 250);
	const services = (await (await fetch(`${app.url}/open311/v2/services.json`)).json()) as { service_code: string; metadata: boolean }[];
	serviceCodes = services.map((s) => s.service_code);
	definitions = new Map();
	for (const s of services.filter((x) => x.metadata)) {
		const def = (await (await fetch(`${app.url}/open311/v2/services/${s.service_code}.json`)).json()) as {
			attributes: { code: string; datatype: string; required: boolean; values?: { key: string }[] }[];
		};
		definitions.set(
			s.service_code,
			def.attributes.map((a) => ({ code: a.code, datatype: a.datatype, required: a.required, values: (a.values ?? []).map((v) => v.key) }))
		);
	}
	const recent = (await (await fetch(`${app.url}/open311/v2/requests.json?page_size=50`)).json()) as { service_request_id: string }[];
	const old = (await (await fetch(`${app.url}/open311/v2/requests.json?start_date=2015-01-01T00:00:00Z&end_date=2015-02-01T00:00:00Z&page_size=50`)).json()) as {
		service_request_id: string;
	}[];
	requestIds = [...recent, ...old].map((r) => r.service_request_id);
	const copies = await store.db(OWN_DB).allDocs<{ service_request_id: string }>({ startkey: 'order:', endkey: 'order:\ufff0', include_docs: true });
	crewOrderIds = copies.rows.map((r) => r.doc!.service_request_id);
	expect(serviceCodes.length).toBeGreaterThan(5);
	expect(requestIds.length).toBeGreaterThan(10);
	expect(crewOrderIds.length).toBeGreaterThan(0);
	realJpeg = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer());
}, 180_000);

afterAll(async () => {
	await app?.stop();
});

// ---------------------------------------------------------------------------------------------------------
// Shared generators
// ---------------------------------------------------------------------------------------------------------

/** Values that broke parsers somewhere once: empty, separators, escapes, numbers at the edges, markup, ids. */
const NASTY = [
	'', ' ', '  \t ', '%', '%%', '%zz', '%E0%A4%A', '%00', '%2F', '%252F', '\u0000', '\u0007', '\uFFFF', '\uFFFE', '\uD800', '\uDC00x',
	'null', 'undefined', 'true', 'NaN', 'Infinity', '-Infinity', '-0', '1e400', '-1e400', '1e-400', '0x1F', '0b11', '1_000', '٣', '１２',
	'[]', '{}', '[object Object]', '<x/>', ']]>', '<![CDATA[x]]>', '&amp;', '&#0;', "'\"", '`', '\\', '../..', '..%2F..', './', 'a,b,,c', ',', ',,,',
	'+', '&', '=', '#', '?', ';', '\r\n', '\n', '\t', 'DROP TABLE orders', '$ne', '{"$gt":null}', '_design/x', '_all_docs', '_local/x', 'order:x',
	'ä', 'Ω≈ç√', '😀', '👩‍👩‍👧', '\u202E', 'ﷺ', 'ǅ', 'İ'
];

const hostile: fc.Arbitrary<string> = fc.oneof(
	{ weight: 4, arbitrary: fc.constantFrom(...NASTY) },
	{ weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
	{ weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
	{ weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
	{ weight: 2, arbitrary: fc.integer().map(String) },
	{ weight: 2, arbitrary: fc.double().map(String) },
	{ weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'é', '%', ',', '9'), fc.integer({ min: 200, max: 3000 })).map(([c, n]) => c.repeat(n)) }
);

/** Strings for dates: valid W3C date-times with offsets, plain dates, and what only looks like a date. */
const isoDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true });
const offset = fc.constantFrom('Z', '+00:00', '-07:00', '-08:00', '+05:30', '+14:00', '-12:00', '+99:99', '+0530', '');
const dateText: fc.Arbitrary<string> = fc.oneof(
	{ weight: 4, arbitrary: fc.tuple(isoDate, offset).map(([d, o]) => d.toISOString().slice(0, 19) + o) },
	{ weight: 2, arbitrary: isoDate.map((d) => d.toISOString()) },
	{ weight: 2, arbitrary: isoDate.map((d) => d.toISOString().slice(0, 10)) },
	{
		weight: 3,
		arbitrary: fc.constantFrom(
			'2026-02-30', '2026-02-29', '2024-02-29', '2026-13-01', '0000-00-00', '9999-99-99', '9999-12-31', '0000-01-01', '1970-01-01',
			'+275760-09-13T00:00:00Z', '275760-09-13T00:00:00.000Z', '+275760-09-14T00:00:00.000Z', '-271821-04-20T00:00:00Z',
			'10000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59+14:00', '0000-01-01T00:00:00Z', '0000-01-01T00:00:00-12:00',
			'1970-01-01T00:00:00+99:99', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z', '2026-06-31T00:00:00Z',
			'2026-01-01T00:00:00', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00.123456789Z', '2026-01-01T00:00:00,5Z', '2026-W01-1',
			'yesterday', 'now', '1700000000', '2026', '2026-01', '-2026-01-01'
		)
	},
	{ weight: 1, arbitrary: hostile }
);

/** encodeURIComponent for any string: a lone surrogate (which it refuses) is sent as U+FFFD, as URL parsers do. */
const encode = (v: string) => encodeURIComponent(v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));

/** A query string: each pair encoded properly, form-style, or sent raw (broken escapes and all), at most ~11 KB. */
type Pair = [string, string, 'uri' | 'form' | 'raw'];
function queryString(pairs: Pair[]): string {
	const parts: string[] = [];
	let size = 0;
	for (const [k, v, how] of pairs) {
		const part =
			how === 'uri'
				? `${encode(k)}=${encode(v)}`
				: how === 'form'
					? new URLSearchParams([[k, v]]).toString()
					: `${k}=${v}`.replace(/#/g, '%23');
		// Node's HTTP parser answers a request line over 16 KB itself (431), before the app: stay under it, counting
		// what the URL parser makes of a raw part (é is sent as %C3%A9).
		const sent = new URL(`http://app.test/?${part}`).search.length;
		if (size + sent > 11_000) break;
		parts.push(part);
		size += sent;
	}
	return parts.length ? `?${parts.join('&')}` : '';
}
const encoding = fc.constantFrom<Pair[2]>('uri', 'uri', 'form', 'raw');

/** A path segment: encoded, or raw (unicode, broken percent-encoding and all). */
const segment = (valid: fc.Arbitrary<string>) =>
	fc.oneof(
		{ weight: 5, arbitrary: valid },
		{ weight: 3, arbitrary: hostile.map((v) => encode(v).slice(0, 3000)) }, // under the 16 KB request line (see queryString)
		{
			weight: 2,
			arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%FF', '%00', '%2F', '%2e%2e', '..', '.', 'a%20b', 'ä', '😀', '%F0%9F%98', 'x'.repeat(3000))
		}
	);

const short = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

// ---------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------

interface Answer {
	status: number;
	type: string;
	text: string;
}

/** The last requests sent: a reset or a crash may be the doing of the request before the one that saw it. */
const recent: string[] = [];

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
	const shown = `${init.method ?? 'GET'} ${short(url.replace(app.url, ''), 200)}${typeof init.body === 'string' ? ` ${short(init.body, 200)}` : init.body ? ' <body>' : ''}`;
	recent.push(shown);
	if (recent.length > 5) recent.shift();
	try {
		// An answer that never comes is a failure too (a handler waiting on nothing): generous, the box is busy.
		const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
		return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
	} catch (e) {
		throw new Error(`${shown}: no answer (${String((e as Error).cause ?? e)}); the requests before it:\n  ${recent.slice(0, -1).join('\n  ')}`, { cause: e });
	}
}

/** The first reason of a refusal: the spec's description (JSON or XML) or CouchDB's reason. */
function reasonOf(a: Answer): string {
	try {
		if (a.type.startsWith('text/xml')) return String(asList((xmlParser.parse(a.text) as { errors?: { error?: { description: string } } }).errors?.error)[0]?.description);
		const body = JSON.parse(a.text) as { description?: string }[] | { reason?: string };
		return String(Array.isArray(body) ? body[0]?.description : body.reason);
	} catch {
		return a.text.slice(0, 80);
	}
}

/** How often each kind of refusal came (digits and quoted values folded), for the run's summary. */
function tally(counts: Map<string, number>, reason: string): void {
	const kind = reason.replace(/"[^"]*"/g, '"…"').replace(/[0-9]+/g, 'N').slice(0, 70);
	counts.set(kind, (counts.get(kind) ?? 0) + 1);
}
const top = (counts: Map<string, number>, n = 12) =>
	[...counts]
		.sort((a, b) => b[1] - a[1])
		.slice(0, n)
		.map(([k, c]) => `${String(c).padStart(5)}  ${k}`)
		.join('\n');

const xmlParser = new XMLParser({ parseTagValue: false });
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A 4xx in the spec's shape: a list of {code, description}, code the HTTP status, each description said. */
function expectOpen311Error(a: Answer, label: string): void {
	if (a.type.startsWith('application/json')) {
		const body = JSON.parse(a.text) as unknown;
		expect(Array.isArray(body), `${label}: ${a.text.slice(0, 300)}`).toBe(true);
		const errors = body as { code: unknown; description: unknown }[];
		expect(errors.length, label).toBeGreaterThan(0);
		for (const e of errors) {
			expect(e.code, label).toBe(a.status);
			expect(typeof e.description === 'string' && e.description.trim().length > 0, `${label}: ${a.text.slice(0, 300)}`).toBe(true);
		}
	} else if (a.type.startsWith('text/xml')) {
		expect(XMLValidator.validate(a.text), `${label}: ${a.text.slice(0, 300)}`).toBe(true);
		const doc = xmlParser.parse(a.text) as { errors?: { error?: { code: string; description: string } | { code: string; description: string }[] } };
		const errors = asList(doc.errors?.error);
		expect(errors.length, `${label}: ${a.text.slice(0, 300)}`).toBeGreaterThan(0);
		for (const e of errors) {
			expect(String(e.code), label).toBe(String(a.status));
			expect(String(e.description).trim().length, `${label}: ${a.text.slice(0, 300)}`).toBeGreaterThan(0);
		}
	} else {
		expect.fail(`${label}: a ${a.status} without the spec's error list (${a.type}): ${a.text.slice(0, 300)}`);
	}
}

function expectOpen311Answer(a: Answer, format: string, label: string): void {
	expect(a.status, `${label}: ${a.text.slice(0, 300)}`).toBeLessThan(500);
	if (a.status >= 400) {
		expectOpen311Error(a, label);
		if (format === 'xml') expect(a.type, label).toMatch(/^text\/xml/);
	} else if (a.status === 200 || a.status === 201) {
		if (format === 'xml') {
			expect(a.type, label).toMatch(/^text\/xml/);
			expect(XMLValidator.validate(a.text), label).toBe(true);
		} else {
			expect(a.type, label).toMatch(/^application\/json/);
			expect(() => JSON.parse(a.text) as unknown, label).not.toThrow();
		}
	}
}

/** A gateway refusal in CouchDB's shape. */
function expectCouchError(a: Answer, label: string): void {
	expect(a.type, `${label}: ${a.text.slice(0, 300)}`).toMatch(/^application\/json/);
	const body = JSON.parse(a.text) as { error?: unknown; reason?: unknown };
	expect(typeof body.error === 'string' && body.error.length > 0, `${label}: ${a.text.slice(0, 300)}`).toBe(true);
	expect(typeof body.reason === 'string' && body.reason.trim().length > 0, `${label}: ${a.text.slice(0, 300)}`).toBe(true);
}

// ---------------------------------------------------------------------------------------------------------
// a. Open311 GET
// ---------------------------------------------------------------------------------------------------------

const format = fc.oneof(
	{ weight: 9, arbitrary: fc.constantFrom('json', 'xml') },
	{ weight: 1, arbitrary: fc.constantFrom('csv', 'JSON', 'Xml', 'json.xml', 'xml.json', 'json%00', 'js%6Fn', 'ｊｓｏｎ') }
);

const idList = (one: fc.Arbitrary<string>) =>
	fc.oneof(
		{ weight: 6, arbitrary: fc.array(one, { minLength: 1, maxLength: 6 }).map((ids) => ids.join(',')) },
		{ weight: 1, arbitrary: fc.array(one, { minLength: 1, maxLength: 4 }).map((ids) => ids.join(' , ')) },
		{ weight: 1, arbitrary: fc.integer({ min: 990, max: 1010 }).map((n) => Array.from({ length: n }, (_, i) => `I${i}`).join(',')) }
	);

/** One parameter (or a start_date/end_date pair) of a search. */
function queryPairs(): fc.Arbitrary<[string, string][]> {
	const existingId = fc.nat().map((i) => requestIds[i % requestIds.length]!);
	const code = fc.nat().map((i) => serviceCodes[i % serviceCodes.length]!);
	const int = (max: number) => fc.oneof(fc.integer({ min: -5, max }).map(String), fc.constantFrom('1.5', '1e3', '01', '+2', ' 3', '0x10', '', '9'.repeat(30)), hostile);
	const coordinate = fc.oneof(fc.double({ min: -200, max: 200, noNaN: true }).map(String), fc.double().map(String), hostile);
	const inSf = fc.tuple(
		fc.double({ min: SF.west, max: SF.east, noNaN: true }),
		fc.double({ min: SF.south, max: SF.north, noNaN: true }),
		fc.double({ min: 0, max: 0.05, noNaN: true }),
		fc.double({ min: 0, max: 0.05, noNaN: true })
	);
	const range = fc.tuple(fc.date({ min: new Date('2008-07-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -2, max: 100 }));
	const one: fc.Arbitrary<[string, string]> = fc.oneof(
		{ weight: 3, arbitrary: idList(fc.oneof(existingId, existingId, hostile)).map((v): [string, string] => ['service_request_id', v]) },
		{ weight: 3, arbitrary: idList(fc.oneof(code, code, hostile)).map((v): [string, string] => ['service_code', v]) },
		{ weight: 1, arbitrary: fc.integer({ min: 45, max: 60 }).map((n): [string, string] => ['service_code', Array.from({ length: n }, (_, i) => `code_${i}`).join(',')]) },
		{ weight: 3, arbitrary: fc.oneof(fc.constantFrom('open', 'closed', 'open,closed', 'closed,open', 'Open', 'OPEN', 'pending', ',', 'open,', ''), hostile).map((v): [string, string] => ['status', v]) },
		{ weight: 3, arbitrary: dateText.map((v): [string, string] => ['start_date', v]) },
		{ weight: 3, arbitrary: dateText.map((v): [string, string] => ['end_date', v]) },
		{ weight: 2, arbitrary: int(200_000).map((v): [string, string] => ['page', v]) },
		{ weight: 2, arbitrary: int(2000).map((v): [string, string] => ['page_size', v]) },
		{
			weight: 2,
			arbitrary: fc.oneof(
				inSf.map(([w, s, dw, ds]) => [w, s, w + dw, s + ds].join(',')),
				fc.array(coordinate, { minLength: 0, maxLength: 6 }).map((n) => n.join(',')),
				hostile
			).map((v): [string, string] => ['bbox', v])
		},
		{ weight: 1, arbitrary: coordinate.map((v): [string, string] => ['lat', v]) },
		{ weight: 1, arbitrary: coordinate.map((v): [string, string] => ['long', v]) },
		{ weight: 1, arbitrary: fc.oneof(fc.constant('sfgov.org'), hostile).map((v): [string, string] => ['jurisdiction_id', v]) },
		{ weight: 1, arbitrary: fc.tuple(hostile, hostile) }
	);
	// A range over the seeded years (and a little past the limits), so searches also answer 200 with data.
	const validRange = range.map(([d, days]): [string, string][] => [
		['start_date', d.toISOString()],
		['end_date', new Date(+d + days * 86_400_000).toISOString()]
	]);
	return fc.oneof({ weight: 12, arbitrary: one.map((p) => [p]) }, { weight: 2, arbitrary: validRange });
}

function open311Path(): fc.Arbitrary<{ path: string; format: string; query: boolean }> {
	const id = fc.oneof(fc.nat().map((i) => requestIds[i % requestIds.length]!), fc.constantFrom('000000-NOPE0', '261109-ABCDE'));
	const code = fc.nat().map((i) => serviceCodes[i % serviceCodes.length]!);
	const token = fc.oneof(fc.stringMatching(/^[a-f0-9]{8,64}$/), fc.constantFrom('deadbeefdeadbeef', 'DEADBEEFDEADBEEF', 'f'.repeat(65)));
	return fc.oneof(
		{ weight: 8, arbitrary: format.map((f) => ({ path: `/open311/v2/requests.${f}`, format: f, query: true })) },
		{ weight: 3, arbitrary: fc.tuple(segment(id), format).map(([s, f]) => ({ path: `/open311/v2/requests/${s}.${f}`, format: f, query: false })) },
		{ weight: 1, arbitrary: format.map((f) => ({ path: `/open311/v2/services.${f}`, format: f, query: false })) },
		{ weight: 2, arbitrary: fc.tuple(segment(code), format).map(([s, f]) => ({ path: `/open311/v2/services/${s}.${f}`, format: f, query: false })) },
		{ weight: 2, arbitrary: fc.tuple(segment(token), format).map(([s, f]) => ({ path: `/open311/v2/tokens/${s}.${f}`, format: f, query: false })) },
		{ weight: 3, arbitrary: format.map((f) => ({ path: `/open311/v2/servicerequestupdates.${f}`, format: f, query: true })) },
		{ weight: 1, arbitrary: format.map((f) => ({ path: `/open311/discovery.${f}`, format: f, query: false })) },
		{
			// Near misses: what a client gets wrong (no format, a slash too many, a path that is no endpoint).
			weight: 1,
			arbitrary: fc
				.constantFrom(
					'/open311/v2/requests', '/open311/v2/requests/', '/open311/v2/requests.json/', '/open311/v2/requests/.json', '/open311/v2/requests/a/b.json',
					'/open311/v2/request.json', '/open311/v2/services/.json', '/open311/v2/tokens/.xml', '/open311/v2/', '/open311/v2', '/open311/',
					'/open311/v3/requests.json', '/open311//v2/requests.json', '/open311/v2/requests..json', '/open311/v2/requests.json%00',
					'/open311/v2/services/%2E%2E%2Fservices.json', '/open311/v2/requests/%.json'
				)
				.map((p) => ({ path: p, format: p.endsWith('.xml') ? 'xml' : 'json', query: true }))
		}
	);
}

describe('a. Open311 GET queries', () => {
	it(
		`${RUNS.get} generated queries: no 5xx, every refusal the spec's error list, every 200 parses`,
		async () => {
			let ok = 0;
			const reasons = new Map<string, number>();
			await fc.assert(
				fc.asyncProperty(open311Path(), fc.array(fc.tuple(queryPairs(), encoding), { maxLength: 6 }), async (target, pairs) => {
					const flat = pairs.flatMap(([list, how]) => list.map(([k, v]): Pair => [k, v, how]));
					const query = target.query || pairs.length % 3 === 0 ? queryString(flat) : '';
					const url = `${app.url}${target.path}${query}`;
					const a = await send(url);
					// Errors come in the format the path ends with (json when it names none).
					const format = /\.xml$/.test(target.path) ? 'xml' : 'json';
					expectOpen311Answer(a, format, `GET ${short(url.slice(app.url.length))} -> ${a.status}`);
					if (a.status === 200) ok++;
					else if (a.status >= 400) tally(reasons, `${a.status} ${reasonOf(a)}`);
				}),
				{ numRuns: RUNS.get, seed: seedOf(1) }
			);
			console.info(`[fuzz] GET: ${ok} answered 200 of ${RUNS.get}; refusals most often:\n${top(reasons)}`);
			// The generators are not all garbage: a fair share of the searches found something.
			expect(ok).toBeGreaterThan(RUNS.get / 10);
		},
		PROPERTY_TIMEOUT_MS
	);
});

// ---------------------------------------------------------------------------------------------------------
// b. Open311 POST
// ---------------------------------------------------------------------------------------------------------

type Field = [string, string | number | boolean | null | object];
type Media = { name: string; bytes: Uint8Array; type: string; filename: string } | null;

interface Report {
	fields: Field[];
	body: 'form' | 'json' | 'multipart' | 'junk';
	junk: number;
	media: Media[];
	format: 'json' | 'xml';
}

/** attribute[code] values as the service definition allows them (every required one, some optional ones). */
function validAttributes(code: string): fc.Arbitrary<Field[]> {
	const attrs = definitions.get(code) ?? [];
	if (attrs.length === 0) return fc.constant([]);
	return fc.tuple(...attrs.map(() => fc.tuple(fc.boolean(), fc.nat(), fc.nat()))).map((choices) =>
		attrs.flatMap((a, i): Field[] => {
			const [give, pick, second] = choices[i]!;
			if (!give && !a.required) return [];
			const name = `attribute[${a.code}]`;
			if (a.values.length === 0) {
				if (a.datatype === 'number') return [[name, String(pick % 100)]];
				if (a.datatype === 'datetime') return [[name, new Date(Date.UTC(2026, 0, 1 + (pick % 300))).toISOString()]];
				return [[name, `value ${pick}`]];
			}
			const first: Field = [name, a.values[pick % a.values.length]!];
			return a.datatype === 'multivaluelist' && second % 2 ? [first, [name, a.values[second % a.values.length]!]] : [first];
		})
	);
}

/** Valid attributes with garbage mixed in: unknown codes, values not in the list, names that only look right. */
function wildAttributes(code: string): fc.Arbitrary<Field[]> {
	const attrs = definitions.get(code) ?? [];
	const name = fc.oneof(fc.constantFrom(...(attrs.length ? attrs.map((a) => a.code) : ['request_type'])), hostile);
	const garbage = fc.array(
		fc.tuple(
			fc.oneof(
				{ weight: 4, arbitrary: name.map((n) => `attribute[${n}]`) },
				{ weight: 1, arbitrary: name.map((n) => `attribute[${n}][]`) },
				{ weight: 1, arbitrary: fc.constantFrom('attribute[', 'attribute[]', 'attribute]', 'attribute', 'attribute[[x]]', `attribute[${'a'.repeat(101)}]`) }
			),
			hostile
		),
		{ maxLength: 3 }
	);
	return fc.oneof(validAttributes(code), fc.tuple(validAttributes(code), garbage).map(([v, g]) => [...v, ...g]), garbage);
}

const SF_LAT = fc.double({ min: SF.south, max: SF.north, noNaN: true });
const SF_LONG = fc.double({ min: SF.west, max: SF.east, noNaN: true });
const word = fc.stringMatching(/^[a-z]{1,12}$/);
const validCode = () => fc.nat().map((i) => serviceCodes[i % serviceCodes.length]!);
const optional = (name: string, value: fc.Arbitrary<string>, weight = 1): fc.Arbitrary<Field[]> =>
	fc.oneof({ weight: 3, arbitrary: fc.constant<Field[]>([]) }, { weight, arbitrary: value.map((v): Field[] => [[name, v]]) });

/** A report a careful client sends: every field valid (a real photo at most); still refused when it lands on no street. */
function validReport(): fc.Arbitrary<Report> {
	return validCode().chain((serviceCode) =>
		fc
			.record({
				location: fc.oneof(
					{ weight: 9, arbitrary: fc.tuple(SF_LAT, SF_LONG).map(([a, b]): Field[] => [['lat', a], ['long', b]]) },
					{ weight: 1, arbitrary: fc.constantFrom('Market St & 5th St', 'Market St & 4th St').map((a): Field[] => [['address_string', a]]) }
				),
				attributes: validAttributes(serviceCode),
				description: optional('description', fc.lorem({ maxCount: 20 }), 6),
				email: optional('email', fc.tuple(word, word).map(([a, b]) => `${a}.${b}@example.org`)),
				mediaUrl: optional('media_url', fc.webUrl({ validSchemes: ['https'] })),
				names: fc.tuple(optional('first_name', word), optional('last_name', word), optional('phone', fc.stringMatching(/^\+1 415 [0-9]{3} [0-9]{4}$/))),
				body: fc.constantFrom<Report['body']>('form', 'json', 'multipart'),
				photo: fc.boolean(),
				format: fc.constantFrom<Report['format']>('json', 'json', 'json', 'xml')
			})
			.map((r): Report => {
				const fields: Field[] = [['api_key', apiKey], ['service_code', serviceCode], ...r.location, ...r.attributes, ...r.description, ...r.email, ...r.mediaUrl, ...r.names.flat()];
				const media: Media[] = r.body === 'multipart' && r.photo ? [{ name: 'media', bytes: realJpeg, type: 'image/jpeg', filename: 'photo.jpg' }] : [];
				return { fields, body: r.body, junk: 9, media, format: r.format };
			})
	);
}

/** A report from a buggy or hostile client: any field may be missing, repeated, garbage, too long or of a wrong type. */
function wildReport(): fc.Arbitrary<Report> {
	const code = fc.oneof({ weight: 8, arbitrary: validCode() }, { weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: fc.constant('') });
	const wild = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0, 90.0000001, 180.5), fc.integer({ min: -1000, max: 1000 }));
	const location: fc.Arbitrary<Field[]> = fc.oneof(
		{ weight: 6, arbitrary: fc.tuple(SF_LAT, SF_LONG).map(([a, b]): Field[] => [['lat', a], ['long', b]]) },
		{ weight: 2, arbitrary: fc.tuple(wild, wild).map(([a, b]): Field[] => [['lat', a], ['long', b]]) },
		{ weight: 2, arbitrary: fc.tuple(fc.oneof(SF_LAT.map(String), hostile), fc.oneof(SF_LONG.map(String), hostile)).map(([a, b]): Field[] => [['lat', a], ['long', b]]) },
		{ weight: 1, arbitrary: SF_LAT.map((a): Field[] => [['lat', a]]) },
		{ weight: 1, arbitrary: SF_LONG.map((b): Field[] => [['long', b]]) },
		{ weight: 1, arbitrary: fc.constant<Field[]>([]) },
		{ weight: 1, arbitrary: fc.constant<Field[]>([['address_id', '12345']]) },
		{
			weight: 2,
			arbitrary: fc
				.oneof(fc.constantFrom('Market St & 5th St', 'Mission St', '1 Nowhere Lane', 'x'.repeat(501)), hostile)
				.map((s): Field[] => [['address_string', s]])
		}
	);
	const description = fc.oneof(
		fc.lorem({ maxCount: 12 }),
		hostile,
		fc.integer({ min: 3990, max: 4010 }).map((n) => 'd'.repeat(n)),
		fc.integer({ min: 1330, max: 1340 }).map((n) => '😀é'.repeat(n)), // 4,000 code units either side of the limit
		fc.constant('   ')
	);
	const key = fc.oneof(
		{ weight: 12, arbitrary: fc.constant<string | null>(null) }, // null: the valid key
		{ weight: 1, arbitrary: fc.constant('MISSING') },
		{ weight: 1, arbitrary: fc.constantFrom('fw311_not-a-real-key', '', ' ', 'fw311_') },
		{ weight: 1, arbitrary: hostile }
	);
	const media: fc.Arbitrary<Media> = fc.oneof(
		{ weight: 4, arbitrary: fc.constant(null) },
		{ weight: 2, arbitrary: fc.constant(0).map(() => ({ name: 'media', bytes: realJpeg, type: 'image/jpeg', filename: 'photo.jpg' })) },
		{ weight: 1, arbitrary: fc.constant({ name: 'media', bytes: tinyJpeg(), type: 'image/jpeg', filename: 'tiny.jpg' }) },
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((bytes) => ({ name: 'media', bytes, type: 'application/octet-stream', filename: 'random.bin' })) },
		{ weight: 1, arbitrary: fc.constantFrom(tinyPng(), tinyGif(), tinyWebp(), new Uint8Array(0)).map((bytes) => ({ name: 'media', bytes, type: 'image/jpeg', filename: 'x.jpg' })) },
		{ weight: 1, arbitrary: fc.constantFrom(MAX_UPLOAD_BYTES + 1, 3 * MAX_UPLOAD_BYTES).map((n) => ({ name: 'media', bytes: jpegOfSize(n), type: 'image/jpeg', filename: 'big.jpg' })) },
		{ weight: 1, arbitrary: fc.oneof(fc.constantFrom('attachment', 'photo', 'media[]', ''), hostile).map((name) => ({ name, bytes: realJpeg, type: 'image/jpeg', filename: 'other.jpg' })) }
	);
	return fc
		.tuple(code, key)
		.chain(([serviceCode, apiKeyChoice]) =>
			fc.record({
				serviceCode: fc.constant(serviceCode),
				apiKeyChoice: fc.constant(apiKeyChoice),
				attributes: wildAttributes(serviceCode),
				location,
				description: optional('description', description, 3),
				email: optional('email', fc.oneof(fc.emailAddress(), fc.constantFrom('not-an-email', 'a@b', '@', 'a@b.c '), hostile)),
				mediaUrl: optional('media_url', fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'ftp://x.org/a.jpg', `http://x.org/${'a'.repeat(2100)}`), hostile)),
				names: fc.tuple(optional('first_name', hostile), optional('last_name', hostile), optional('phone', hostile)),
				extra: fc.array(fc.tuple(hostile, hostile), { maxLength: 2 }),
				repeat: fc.nat({ max: 9 }),
				body: fc.constantFrom<Report['body']>('form', 'form', 'json', 'json', 'multipart', 'multipart', 'junk'),
				junk: fc.nat({ max: 9 }),
				media: fc.array(media, { maxLength: 2 }),
				format: fc.constantFrom<Report['format']>('json', 'json', 'json', 'xml')
			})
		)
		.map((r): Report => {
			const fields: Field[] = [];
			if (r.apiKeyChoice !== 'MISSING') fields.push(['api_key', r.apiKeyChoice ?? apiKey]);
			if (r.serviceCode !== '' || r.repeat === 0) fields.push(['service_code', r.serviceCode]);
			fields.push(...r.location, ...r.attributes, ...r.description, ...r.email, ...r.mediaUrl, ...r.names.flat(), ...r.extra);
			// Now and then a field twice (a form may repeat a name; the spec's arguments are single).
			if (r.repeat === 1 && fields.length > 1) fields.push(fields[r.junk % fields.length]!);
			return { fields, body: r.body, junk: r.junk, media: r.media, format: r.format };
		});
}

const reportArb = () => fc.oneof({ weight: 2, arbitrary: validReport() }, { weight: 3, arbitrary: wildReport() });

/** The report as the request a client would send; JSON keeps numbers as numbers and may nest what it should not. */
function toRequest(r: Report): { init: RequestInit; shown: string } {
	const asText = (v: Field[1]) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v));
	switch (r.body) {
		case 'form': {
			const body = new URLSearchParams();
			for (const [k, v] of r.fields) body.append(k, asText(v));
			return { init: { method: 'POST', body }, shown: short(body.toString()) };
		}
		case 'json': {
			const obj: Record<string, unknown> = {};
			for (const [k, v] of r.fields) obj[k] = k in obj ? [...(Array.isArray(obj[k]) ? (obj[k] as unknown[]) : [obj[k]]), v] : v;
			// Sometimes a value JSON allows and Open311 does not: an object, null, a list of objects, a boolean.
			const odd = [{ nested: true }, null, [{ a: 1 }], true, [[1]], []][r.junk % 6];
			if (r.junk < 3 && r.fields.length) obj[r.fields[r.junk % r.fields.length]![0]] = odd;
			const text = JSON.stringify(obj);
			return { init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }, shown: short(text) };
		}
		case 'multipart': {
			const body = new FormData();
			for (const [k, v] of r.fields) body.append(k, asText(v));
			for (const m of r.media) if (m) body.append(m.name, new Blob([new Uint8Array(m.bytes)], { type: m.type }), m.filename);
			const files = r.media.map((m) => (m ? `${m.name}:${m.filename}(${m.bytes.byteLength} B)` : '-')).join(',');
			return { init: { method: 'POST', body }, shown: `multipart ${short(new URLSearchParams(r.fields.map(([k, v]) => [k, asText(v)])).toString())} files ${files}` };
		}
		case 'junk': {
			const form = new URLSearchParams(r.fields.map(([k, v]) => [k, asText(v)])).toString();
			const junk: [string, BodyInit][] = [
				['text/plain', form],
				['application/json', '{"api_key":'],
				['application/json', '[1,2,3]'],
				['application/json', '"just a string"'],
				['application/json', new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])],
				['multipart/form-data', form],
				['multipart/form-data; boundary=nope', `--nope\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n${apiKey}\r\n`],
				['application/x-www-form-urlencoded', `${form}&%E0%A4%A=%zz&=&&`],
				['application/xml', `<request><api_key>${apiKey}</api_key></request>`],
				['', form]
			];
			const [type, body] = junk[r.junk % junk.length]!;
			return { init: { method: 'POST', headers: type ? { 'content-type': type } : {}, body }, shown: `${type || '(no type)'} ${short(typeof body === 'string' ? body : '<bytes>')}` };
		}
	}
}

async function orderCount(): Promise<number> {
	const res = await store.db('orders').find({ selector: { type: 'work_order' }, fields: ['_id'], limit: 1_000_000 });
	return res.docs.length;
}

describe('b. Open311 POST bodies', () => {
	it(
		`${RUNS.post} generated reports: no 5xx, 201s name their request, refusals say why; nothing half-written`,
		async () => {
			const before = await orderCount();
			const created: string[] = [];
			const tokens: string[] = [];
			let refused = 0;
			const reasons = new Map<string, number>();
			await fc.assert(
				fc.asyncProperty(reportArb(), async (report) => {
					const { init, shown } = toRequest(report);
					const url = `${app.url}/open311/v2/requests.${report.format}`;
					const a = await send(url, init);
					const label = `POST requests.${report.format} ${shown} -> ${a.status}`;
					expectOpen311Answer(a, report.format, label);
					expect([201, 400, 403, 404, 413], `${label}: ${short(a.text)}`).toContain(a.status);
					if (a.status !== 201) {
						refused++;
						tally(reasons, `${a.status} ${reasonOf(a)}`);
						return;
					}
					let id: string | undefined;
					let token: string | undefined;
					if (report.format === 'json') {
						const [answer] = JSON.parse(a.text) as { service_request_id?: string; token?: string }[];
						id = answer?.service_request_id;
						token = answer?.token;
					} else {
						const doc = xmlParser.parse(a.text) as { service_requests?: { request?: { service_request_id?: string; token?: string } } };
						id = doc.service_requests?.request?.service_request_id;
						token = doc.service_requests?.request?.token;
					}
					expect(id ?? token, `${label}: ${a.text}`).toBeTruthy();
					if (id) created.push(String(id));
					else tokens.push(String(token));
				}),
				{ numRuns: RUNS.post, seed: seedOf(2) }
			);
			console.info(`[fuzz] POST: ${created.length} requests and ${tokens.length} tokens created, ${refused} refused, most often:\n${top(reasons)}`);
			expect(created.length + tokens.length).toBeGreaterThan(RUNS.post / 10);
			expect(refused).toBeGreaterThan(RUNS.post / 10);

			// Every 201 is a whole request: it reads back, through Open311 and from the store.
			for (const id of created) {
				const a = await send(`${app.url}/open311/v2/requests/${encodeURIComponent(id)}.json`);
				expect(a.status, `${id}: ${a.text}`).toBe(200);
				expect((JSON.parse(a.text) as { service_request_id: string }[])[0]!.service_request_id).toBe(id);
			}
			for (const token of tokens) {
				const a = await send(`${app.url}/open311/v2/tokens/${token}.json`);
				expect(a.status, `${token}: ${a.text}`).toBe(200);
				const [answer] = JSON.parse(a.text) as { service_request_id: string }[];
				expect((await send(`${app.url}/open311/v2/requests/${answer!.service_request_id}.json`)).status).toBe(200);
			}
			// …and no refusal left an order behind.
			expect(await orderCount()).toBe(before + created.length + tokens.length);
		},
		PROPERTY_TIMEOUT_MS
	);
});

// ---------------------------------------------------------------------------------------------------------
// c. Sync gateway writes
// ---------------------------------------------------------------------------------------------------------

type Doc = Record<string, unknown>;

/** A valid action of each type a tablet writes (as sync-fixtures builds them), on a real order of ana's crew. */
function validAction(kind: number, orderPick: number): Doc {
	const order = crewOrderIds[orderPick % crewOrderIds.length]!;
	const base = noteAction(ANA, { order_id: order });
	const photo = (name: string) => ({ [name]: { content_type: 'image/jpeg', data: base64(tinyJpeg()) } });
	switch (kind % 9) {
		case 0:
			return base;
		case 1:
			return { ...base, action: 'photo', payload: { attachment: 'before.jpg', kind: 'before' }, _attachments: photo('before.jpg') };
		case 2:
			return { ...base, action: 'en_route', payload: {} };
		case 3:
			return { ...base, action: 'on_site', payload: {} };
		case 4:
			return { ...base, action: 'close', payload: { resolution_code: 'completed', public_note: 'Done.', after_photo: 'after.jpg' }, _attachments: photo('after.jpg') };
		case 5:
			return { ...base, action: 'reroute', payload: { to: { kind: 'crew', crew: 'dpw-cleaning-2' }, reason: 'Needs the truck' } };
		case 6:
			return { ...base, action: 'duplicate', payload: { of: crewOrderIds[(orderPick + 1) % crewOrderIds.length]!, note: 'same' } };
		case 7:
			return { ...base, action: 'position', order_id: null, payload: { lat: 37.78, long: -122.41, accuracy_m: 5 } };
		default:
			return { ...base, action: 'note', payload: { text: 'Swept.', visibility: 'public' } };
	}
}

/** Any JSON value, weighted to the shapes that confuse validators. */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
	{ weight: 3, arbitrary: hostile },
	{ weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, [], {}, [null], { $gt: null }, 'action', 'note', 'ana', ANA.crew) },
	{ weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
	{ weight: 1, arbitrary: fc.integer({ min: 4001, max: 200_000 }).map((n) => 't'.repeat(n)) }
);

const DOC_KEYS = ['_id', 'type', 'id', 'action', 'order_id', 'crew', 'author', 'device_time', 'base_rev', 'payload', '_attachments'];
const EXTRA_KEYS = ['_deleted', '_conflicts', '_rev', '_revisions', '_foo', 'smuggled', '__proto__', 'constructor', '_local_seq', '_deleted_conflicts'];
const PAYLOAD_KEYS = ['text', 'visibility', 'attachment', 'kind', 'caption', 'resolution_code', 'public_note', 'after_photo', 'to', 'reason', 'of', 'lat', 'long', 'accuracy_m', 'extra'];

type Mutation = (doc: Doc) => Doc;

const attachmentArb: fc.Arbitrary<[string, unknown]> = fc.tuple(
	fc.oneof({ weight: 4, arbitrary: fc.constantFrom('before.jpg', 'after.jpg') }, { weight: 1, arbitrary: fc.constantFrom('', '_x.jpg', 'a/b.jpg', '../x', 'ü.jpg', 'x'.repeat(150)) }, { weight: 1, arbitrary: hostile }),
	fc.oneof(
		{
			weight: 4,
			arbitrary: fc.record(
				{
					content_type: fc.oneof(fc.constantFrom('image/jpeg', 'image/png', 'image/webp', 'image/gif', 'text/plain', 'IMAGE/JPEG'), hostile),
					data: fc.oneof(
						{ weight: 20, arbitrary: fc.constantFrom(tinyJpeg(), tinyPng(), tinyWebp(), tinyGif(), new Uint8Array(0)).map(base64) },
						{ weight: 10, arbitrary: fc.uint8Array({ maxLength: 512 }).map(base64) },
						{ weight: 10, arbitrary: fc.constantFrom('!!!!', 'abc', '====', 'AAAA====', '/9j/', '/9j/4A==', ' /9j/4AAQ', base64(tinyJpeg()).slice(0, -1)) },
						// Over the limit: rare, it is 2.7 MB of base64 each time.
						{ weight: 1, arbitrary: fc.constant('big').map(() => base64(jpegOfSize(MAX_ATTACHMENT_BYTES + 1))) },
						{ weight: 5, arbitrary: jsonish }
					),
					stub: fc.constantFrom(true, false, 'yes'),
					digest: fc.oneof(fc.constantFrom('md5-AAAAAAAAAAAAAAAAAAAAAA==', 'md5-nope', 'sha1-x'), hostile),
					revpos: fc.oneof(fc.integer({ min: -3, max: 5 }), jsonish),
					length: fc.oneof(fc.integer({ min: -1, max: 1e9 }), jsonish),
					follows: fc.boolean(),
					encoding: fc.constantFrom('gzip', 'identity')
				},
				{ requiredKeys: ['content_type'] }
			)
		},
		{ weight: 1, arbitrary: jsonish }
	)
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	{ weight: 3, arbitrary: fc.tuple(fc.constantFrom(...DOC_KEYS, ...EXTRA_KEYS), jsonish).map(([k, v]): Mutation => (d) => ({ ...d, [k]: v })) },
	{ weight: 2, arbitrary: fc.constantFrom(...DOC_KEYS).map((k): Mutation => (d) => Object.fromEntries(Object.entries(d).filter(([key]) => key !== k))) },
	{
		weight: 3,
		arbitrary: fc.tuple(fc.constantFrom(...PAYLOAD_KEYS), jsonish, fc.boolean()).map(
			([k, v, drop]): Mutation =>
				(d) => {
					const payload = typeof d.payload === 'object' && d.payload !== null && !Array.isArray(d.payload) ? { ...(d.payload as Doc) } : {};
					if (drop) delete payload[k];
					else payload[k] = v;
					return { ...d, payload };
				}
		)
	},
	{ weight: 2, arbitrary: fc.constantFrom('ben', 'eli', 'supervisor', '', 'ANA', 'ana ', 'admin').map((author): Mutation => (d) => ({ ...d, author })) },
	{ weight: 2, arbitrary: fc.constantFrom('dpw-graffiti-1', 'dpw-cleaning-2', 'Dpw-Cleaning-1', 'nope', '').map((crew): Mutation => (d) => ({ ...d, crew })) },
	{
		weight: 3,
		arbitrary: fc
			.oneof(
				fc.uuid().map((u) => ({ _id: `action:${u}` })),
				fc.uuid().map((u) => ({ id: u })),
				fc.constantFrom('not-a-uuid', '', 'ACTION', '00000000-0000-0000-0000-000000000000').map((id) => ({ id })),
				fc
					.constantFrom('_design/x', '_design/', '_local/x', 'order:fuzz-1', 'order:', 'action:', `action:${'a'.repeat(600)}`, 'action:😀', 'Action:x', ' action:x', '_all_docs', '_bulk_docs')
					.map((_id) => ({ _id })),
				hostile.map((_id) => ({ _id: `action:${_id}` }))
			)
			.map((patch): Mutation => (d) => ({ ...d, ...patch }))
	},
	{ weight: 3, arbitrary: attachmentArb.map(([name, att]): Mutation => (d) => ({ ...d, _attachments: { ...((d._attachments as Doc | undefined) ?? {}), [name]: att } })) },
	{ weight: 1, arbitrary: jsonish.map((v): Mutation => (d) => ({ ...d, _attachments: v })) },
	{
		weight: 2,
		arbitrary: fc
			.tuple(fc.stringMatching(/^[0-9a-f]{32}$/), fc.constantFrom(1, 1, 2, 0), fc.boolean())
			.map(([hash, gen, matching]): Mutation => (d) => ({ ...d, _rev: `${gen}-${hash}`, _revisions: { start: gen, ids: [matching ? hash : hash.split('').reverse().join('')] } }))
	},
	{ weight: 1, arbitrary: fc.constantFrom(true, false, 'true', 1).map((v): Mutation => (d) => ({ ...d, _deleted: v })) }
);

/** An action document: valid, or valid with 1–3 mutations (the common case of a buggy or hostile tablet). */
interface DocSpec {
	kind: number;
	pick: number;
	hash: string;
	mutations: Mutation[];
}
const docSpec: fc.Arbitrary<DocSpec> = fc.record({
	kind: fc.nat(),
	pick: fc.nat(),
	hash: fc.stringMatching(/^[0-9a-f]{32}$/),
	mutations: fc.oneof({ weight: 2, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) })
});
/** The document; `replicated`: with the first revision a replicator sends (new_edits=false), before the mutations. */
function docOf(spec: DocSpec, replicated: boolean): Doc {
	const doc = validAction(spec.kind, spec.pick);
	const start = replicated ? { ...doc, _rev: `1-${spec.hash}`, _revisions: { start: 1, ids: [spec.hash] } } : doc;
	return spec.mutations.reduce((d, m) => m(d), start);
}
const actionDoc = docSpec.map((spec) => docOf(spec, false));

/** Where a write goes: ana's crew database mostly, else where she may not write. */
const targetDb = fc.oneof(
	{ weight: 17, arbitrary: fc.constant(OWN_DB) },
	{ weight: 3, arbitrary: fc.constantFrom(OTHER_DB, 'orders', 'actions', 'directory', 'crew-nope', '_users', 'Crew-X', 'crew%2Fx', encodeURIComponent(OWN_DB + '/x')) }
);

interface GatewayCall {
	method: string;
	path: string;
	body?: BodyInit;
	type?: string;
	/** The action documents this request carries (for the final check). */
	docs: Doc[];
	db: string;
}

/** How a batch is written: directly (new_edits omitted or true), as a replicator pushes (new_edits=false with
 * revisions), or with a new_edits that is no boolean. */
const writeMode = fc.oneof(
	{ weight: 5, arbitrary: fc.constantFrom<{ newEdits: unknown; replicated: boolean }>({ newEdits: undefined, replicated: false }, { newEdits: true, replicated: false }) },
	{ weight: 4, arbitrary: fc.constant({ newEdits: false, replicated: true }) },
	{ weight: 1, arbitrary: fc.constantFrom<{ newEdits: unknown; replicated: boolean }>({ newEdits: false, replicated: false }, { newEdits: 'false', replicated: true }, { newEdits: null, replicated: false }, { newEdits: 0, replicated: true }) }
);

const gatewayCall: fc.Arbitrary<GatewayCall> = fc.oneof(
	{
		// PUT one document; the path's id is mostly the body's.
		weight: 7,
		arbitrary: fc
			.tuple(
				targetDb,
				docSpec,
				fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.uuid().map((u) => `action:${u}`), hostile) }),
				fc.constantFrom('', '', '', '?new_edits=false', '?new_edits=false', '?new_edits=nope', '?batch=ok', '?rev=1-abc', '?x=%zz')
			)
			.map(([db, spec, pathId, query]) => {
				const doc = docOf(spec, query === '?new_edits=false');
				const id = pathId ?? (typeof doc._id === 'string' ? doc._id : 'action:x');
				// A long id is cut to stay under Node's 16 KB request line (see queryString): still refused, as it should be.
				return { method: 'PUT', path: `/sync/${db}/${encode(id).slice(0, 8000)}${query}`, body: JSON.stringify(doc), type: 'application/json', docs: [{ ...doc, _id: doc._id ?? id }], db };
			})
	},
	{
		// _bulk_docs with 1–3 documents, as PouchDB pushes them (new_edits=false) or as a direct write.
		weight: 9,
		arbitrary: fc.tuple(targetDb, fc.array(docSpec, { minLength: 1, maxLength: 3 }), writeMode, fc.nat({ max: 29 })).map(([db, specs, mode, odd]) => {
			const docs = specs.map((spec) => docOf(spec, mode.replicated));
			let payload: unknown = { docs, ...(mode.newEdits !== undefined ? { new_edits: mode.newEdits } : {}) };
			if (odd === 0) payload = { docs: docs[0] };
			else if (odd === 1) payload = { ...(payload as object), all_or_nothing: true };
			else if (odd === 2) payload = { docs: [...docs, docs[0]] }; // the same id twice
			return { method: 'POST', path: `/sync/${db}/_bulk_docs`, body: JSON.stringify(payload), type: 'application/json', docs, db };
		})
	},
	{
		// Bodies that are not a JSON document, or not declared as one.
		weight: 2,
		arbitrary: fc
			.tuple(
				fc.constantFrom('PUT', 'POST'),
				actionDoc,
				fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', 'APPLICATION/JSON', '', 'application/json'),
				fc.oneof(
					fc.constantFrom('{"docs": [', '[]', '"x"', 'null', '1', '{"docs": null}', '{"docs": {}}', '{"docs": [1, "a", null]}', '', '\u0000', '{"docs": [{"_id": "action:x"}]}'),
					fc.uint8Array({ maxLength: 64 }),
					fc.constant('deep').map(() => `${'['.repeat(5000)}${']'.repeat(5000)}`)
				)
			)
			.map(([method, doc, type, body]) => {
				const id = typeof doc._id === 'string' ? doc._id : 'action:x';
				const path = method === 'PUT' ? `/sync/${OWN_DB}/${encode(id).slice(0, 8000)}` : `/sync/${OWN_DB}/_bulk_docs`;
				return { method, path, body: typeof body === 'string' ? body : new Uint8Array(body), type, docs: [], db: OWN_DB };
			})
	},
	{
		// Checkpoints, design documents, attachments, deletes: not actions, never stored as actions.
		weight: 2,
		arbitrary: fc
			.tuple(
				fc.constantFrom('PUT', 'PUT', 'GET', 'DELETE', 'POST'),
				fc.constantFrom('_local/fuzz', `_local/${'c'.repeat(600)}`, '_local%2Ffuzz', '_design/x', '_design/x/_view/y', '_find', '_purge', '_security', '_compact', '_index', 'action%3Ax/photo.jpg', '_revs_limit', '_all_dbs'),
				fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ _rev: fc.constantFrom('0-1', '1-abc', 'x', '0-'), _attachments: jsonish, last_seq: jsonish }, { requiredKeys: [] }))
			)
			.map(([method, sub, body]) => ({ method, path: `/sync/${OWN_DB}/${sub}`, body: method === 'GET' ? undefined : JSON.stringify(body), type: 'application/json', docs: [], db: OWN_DB }))
	},
	{
		// A few reads of the protocol with hostile parameters and bodies.
		weight: 2,
		arbitrary: fc
			.tuple(
				fc.constantFrom('_changes', '_all_docs', '_revs_diff', '_bulk_get', '_changes?filter=_doc_ids', '_changes?filter=_selector', '_changes?filter=app/x'),
				fc.array(fc.tuple(fc.constantFrom('since', 'limit', 'style', 'include_docs', 'descending', 'keys', 'key', 'startkey', 'conflicts', 'revs', 'attachments', 'seq_interval', 'x'), hostile), { maxLength: 3 }),
				fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ docs: jsonish, keys: jsonish, doc_ids: jsonish, selector: jsonish }, { requiredKeys: [] }))
			)
			.map(([endpoint, params, body]) => {
				const post = endpoint !== '_changes' && endpoint !== '_all_docs' ? true : params.length % 2 === 1;
				const query = queryString(params.map(([k, v]): Pair => [k, v, 'uri']));
				const path = `/sync/${OWN_DB}/${endpoint}${endpoint.includes('?') ? query.replace('?', '&') : query}`;
				return { method: post ? 'POST' : 'GET', path, body: post ? JSON.stringify(body) : undefined, type: 'application/json', docs: [], db: OWN_DB };
			})
	}
);

describe('c. sync gateway writes', () => {
	it(
		`${RUNS.gateway} generated writes as ana: no 5xx, refusals in CouchDB's shape; accepted actions stored once, refused ones nowhere`,
		async () => {
			const accepted = new Set<string>();
			const refused = new Set<string>();
			/** Every request that carried an id, and its answer: what a failure below shows. */
			const history = new Map<string, string[]>();
			const shown = (ids: string[]) => ids.map((id) => `${id}:\n  ${(history.get(id) ?? []).join('\n  ')}`).join('\n');
			let writes = 0;
			const reasons = new Map<string, number>();
			await fc.assert(
				fc.asyncProperty(gatewayCall, async (call) => {
					const a = await send(`${app.url}${call.path}`, {
						method: call.method,
						headers: { cookie: ana.cookie, ...(call.type ? { 'content-type': call.type } : {}) },
						body: call.body
					});
					const shownBody = typeof call.body === 'string' ? short(call.body, 300) : call.body ? '<bytes>' : '';
					const label = `${call.method} ${short(call.path, 200)} ${shownBody} -> ${a.status}`;
					expect(a.status, `${label}: ${short(a.text)}`).toBeLessThan(500);
					const ids = call.docs.map((d) => d._id).filter((id): id is string => typeof id === 'string');
					for (const id of ids) history.set(id, [...(history.get(id) ?? []), `${call.method} ${short(call.path, 200)} ${typeof call.body === 'string' ? short(call.body, 3000) : ''} -> ${a.status} ${short(a.text, 300)}`]);
					if (a.status >= 400) {
						expectCouchError(a, label);
						tally(reasons, `${a.status} ${reasonOf(a).replace(/action:[0-9a-f-]{36}/g, 'action:…')}`);
						for (const id of ids) refused.add(id);
						return;
					}
					if (call.docs.length === 0 || call.db !== OWN_DB || a.status >= 300) return;
					writes++;
					// Per document: CouchDB lists each one's outcome (or nothing at all with new_edits=false).
					const body = JSON.parse(a.text) as unknown;
					const results = Array.isArray(body) ? (body as { id?: string; error?: string }[]) : [body as { id?: string; error?: string }];
					for (const id of ids) {
						// PUT /<db>/_local%2F… writes a replication checkpoint, which a tablet may: not an action.
						if (id.startsWith('_local/')) continue;
						const result = results.find((r) => r.id === id);
						if (result?.error) refused.add(id);
						else accepted.add(id);
					}
				}),
				{ numRuns: RUNS.gateway, seed: seedOf(3) }
			);
			for (const id of [...refused]) if (accepted.has(id) || id.startsWith('_local/')) refused.delete(id);
			console.info(`[fuzz] gateway: ${writes} writes answered 2xx, ${accepted.size} actions accepted, ${refused.size} refused; refusals most often:\n${top(reasons)}`);
			expect(accepted.size).toBeGreaterThan(RUNS.gateway / 20);

			// Accepted: in the crew database exactly once (one revision, no sibling), then in the actions log.
			const crewDb = store.db(OWN_DB);
			for (const id of accepted) {
				const revs = await crewDb.getOrNull<unknown>(id, { open_revs: 'all' });
				const leaves = Array.isArray(revs) ? (revs as { ok?: unknown }[]).filter((r) => r.ok).length : revs;
				expect(leaves, `${id} in ${OWN_DB}:\n${shown([id])}`).toBe(1);
			}
			const log = store.db('actions');
			await eventually(
				async () => {
					const res = await log.allDocs({ keys: [...accepted] });
					const missing = res.rows.filter((r) => !('value' in r) || !r.value || r.value.deleted);
					return missing.length === 0 ? true : undefined;
				},
				120_000,
				500
			);
			// Refused: nowhere (ana's crew database, the log, another crew's, the master orders).
			for (const name of [OWN_DB, 'actions', OTHER_DB, 'orders']) {
				const keys = [...refused];
				for (let i = 0; i < keys.length; i += 500) {
					const chunk = keys.slice(i, i + 500);
					const res = await store.db(name).allDocs({ keys: chunk });
					// Row by row against the key asked for: PouchDB answers the empty key ("" — a refused _id) with the
					// next key's document.
					const found = chunk.filter((key, j) => res.rows[j]?.id === key && res.rows[j]?.value && !res.rows[j]?.value.deleted);
					expect(found, `refused actions found in ${name}:\n${shown(found)}`).toEqual([]);
				}
			}
		},
		PROPERTY_TIMEOUT_MS
	);
});

// ---------------------------------------------------------------------------------------------------------
// d. Afterwards
// ---------------------------------------------------------------------------------------------------------

describe('d. after the fuzzing', () => {
	it('the app is alive and healthy and logged no unexpected error', async () => {
		expect(app.proc.exitCode).toBeNull();
		const health = await fetch(`${app.url}/healthz`);
		expect(health.status).toBe(200);
		const logs = app.logs();
		expect(logs).not.toMatch(/\[error\] unexpected/);
		// Nor did a store failure, a stuck runner or a refused invariant show up in the log.
		expect(logs).not.toMatch(/\[sync\] the store answered|\[runner\][^\n]*(failed|invalid action)|\[projector\][^\n]*failed/);
	});
});
