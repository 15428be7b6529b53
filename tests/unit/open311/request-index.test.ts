/**
 * The in-memory request index against a brute-force filter of the same orders: random orders, random
 * updates and deletions, random queries (codes, statuses, dates, bbox, pages) must give the same pages.
 */
import { describe, expect, it } from 'vitest';
import { OPEN_STATUSES, type RequestsQuery, type WorkflowStatus } from '../../../src/lib/domain';
import { RequestIndex } from '../../../src/lib/server/open311/request-index';

const CODES = ['graffiti', 'pothole', 'streetlights', 'dumping'];
const STATUSES: WorkflowStatus[] = ['new', 'assigned', 'en_route', 'on_site', 'closed'];
const T0 = Date.parse('2026-08-01T00:00:00Z');
const DAY = 86_400_000;

function rng(seed: number) {
	let s = seed >>> 0;
	return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

type Doc = Record<string, unknown> & { _id: string; _rev: string; service_request_id: string; service_code: string; status: string; requested_datetime: string; lat: number; long: number };

function makeDoc(r: () => number, i: number, gen = 3): Doc {
	// Whole hours: many requests share a time, as imports and the demo's "today" orders do.
	const t = T0 + Math.floor(r() * 90 * 24) * 3600_000;
	return {
		_id: `order:${i}`,
		_rev: `${gen}-x`,
		type: 'work_order',
		service_request_id: String(i),
		service_code: CODES[Math.floor(r() * CODES.length)]!,
		service_name: 'x',
		status: STATUSES[Math.floor(r() * STATUSES.length)]!,
		status_notes: null,
		description: 'd',
		agency_responsible: 'a',
		requested_datetime: new Date(t).toISOString().replace('.000Z', 'Z'),
		updated_datetime: null,
		expected_datetime: null,
		closed_datetime: null,
		address: null,
		zipcode: null,
		lat: 37.7 + r() * 0.1,
		long: -122.5 + r() * 0.1,
		media_url: null,
		duplicate_of: null,
		photos: [{ public: false }, { public: true, action_id: 'a', attachment: 'after.jpg' }]
	};
}

function brute(docs: Map<string, Doc>, q: RequestsQuery): string[] {
	return [...docs.values()]
		.filter((d) => (q.serviceCodes ? q.serviceCodes.includes(d.service_code) : true))
		.filter((d) => (q.statuses ? (q.statuses as string[]).includes(d.status) : true))
		.filter((d) => Date.parse(d.requested_datetime) >= +q.start && Date.parse(d.requested_datetime) <= +q.end)
		.filter((d) => !q.bbox || (d.long >= q.bbox.west && d.long <= q.bbox.east && d.lat >= q.bbox.south && d.lat <= q.bbox.north))
		.sort((a, b) => Date.parse(b.requested_datetime) - Date.parse(a.requested_datetime) || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
		.slice((q.page - 1) * q.pageSize, q.page * q.pageSize)
		.map((d) => d.service_request_id);
}

describe('request index', () => {
	it('answers like a brute-force filter through inserts, updates, older copies and deletions', () => {
		const r = rng(7);
		const index = new RequestIndex();
		const docs = new Map<string, Doc>();
		for (let i = 0; i < 3000; i++) {
			const d = makeDoc(r, i);
			docs.set(d._id, d);
			index.apply(d, d._id);
		}
		for (let k = 0; k < 1500; k++) {
			const id = `order:${Math.floor(r() * 3000)}`;
			const cur = docs.get(id);
			const roll = r();
			if (!cur) continue;
			const gen = Number.parseInt(cur._rev, 10) + 1;
			if (roll < 0.1) {
				docs.delete(id);
				index.apply(null, id, true);
			} else if (roll < 0.2) {
				index.apply({ ...cur, _rev: `${gen - 2}-old`, status: 'new', service_code: 'pothole' }, id); // an older copy: ignored
			} else {
				const moved = roll < 0.4 ? makeDoc(r, Number(cur.service_request_id), gen) : { ...cur, _rev: `${gen}-y`, status: STATUSES[Math.floor(r() * 5)]! };
				docs.set(id, moved);
				index.apply(moved, id);
			}
		}
		expect(index.size).toBe(docs.size);
		for (let k = 0; k < 300; k++) {
			const start = new Date(T0 + Math.floor(r() * 60) * DAY);
			const q: RequestsQuery = {
				ids: null,
				serviceCodes: r() < 0.5 ? null : CODES.filter(() => r() < 0.5),
				statuses: r() < 0.3 ? null : r() < 0.5 ? [...OPEN_STATUSES] : ['closed'],
				start,
				end: new Date(+start + Math.floor(r() * 40) * DAY),
				page: 1 + Math.floor(r() * 3),
				pageSize: 1 + Math.floor(r() * 200),
				bbox: r() < 0.3 ? { west: -122.48, south: 37.72, east: -122.43, north: 37.77 } : null
			};
			expect(index.search(q).map((o) => o.service_request_id)).toEqual(brute(docs, q));
		}
	});

	it('keeps only public photos and ignores documents that are not orders', () => {
		const index = new RequestIndex();
		const d = makeDoc(rng(1), 1);
		index.apply(d, d._id);
		index.apply({ _id: 'service_type:x', type: 'service_type' }, 'service_type:x');
		index.apply({ ...d, _id: 'order:2', requested_datetime: 'not a date' }, 'order:2');
		expect(index.size).toBe(1);
		const [o] = index.search({ ids: null, serviceCodes: null, statuses: null, start: new Date(T0), end: new Date(T0 + 91 * DAY), page: 1, pageSize: 10, bbox: null });
		expect(o!.photos).toEqual([{ public: true, action_id: 'a', attachment: 'after.jpg' }]);
	});

	it('lists the requests of one code in a time window by status (duplicate candidates)', () => {
		const r = rng(3);
		const index = new RequestIndex();
		const docs = Array.from({ length: 500 }, (_, i) => makeDoc(r, i));
		for (const d of docs) index.apply(d, d._id);
		const from = T0 + 10 * DAY;
		const to = T0 + 13 * DAY;
		const open = new Set<string>(OPEN_STATUSES);
		const want = docs.filter((d) => d.service_code === 'pothole' && open.has(d.status) && Date.parse(d.requested_datetime) >= from && Date.parse(d.requested_datetime) <= to);
		expect(want.length).toBeGreaterThan(0);
		expect(index.inWindow('pothole', from, to, open).map((o) => o.service_request_id).sort()).toEqual(want.map((d) => d.service_request_id).sort());
		expect(index.inWindow('nope', from, to, open)).toEqual([]);
	});

	it('answers JSON from each request cached once, and a changed request is rendered again', () => {
		let renders = 0;
		const index = new RequestIndex((f) => (renders++, JSON.stringify({ id: f.service_request_id, status: f.status })));
		const d = makeDoc(rng(5), 1);
		index.apply(d, d._id);
		const q: RequestsQuery = { ids: null, serviceCodes: null, statuses: null, start: new Date(T0), end: new Date(T0 + 91 * DAY), page: 1, pageSize: 10, bbox: null };
		expect(JSON.parse(index.searchJson(q))).toEqual([{ id: '1', status: d.status }]);
		index.searchJson(q);
		expect(renders).toBe(1);
		index.apply({ ...d, _rev: '9-z', status: 'closed' }, d._id);
		expect(JSON.parse(index.searchJson(q))).toEqual([{ id: '1', status: 'closed' }]);
		expect(renders).toBe(2);
		expect(index.searchJson({ ...q, serviceCodes: ['none'] })).toBe('[]');
	});
});
