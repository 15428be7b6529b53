/**
 * Open-data exports of requests (issue 08, first step): CSV and GeoJSON for a range of request dates, streamed
 * page by page from the store so a large range never sits in memory. Only public fields — never the
 * reporter's name, e-mail or phone, nor internal notes.
 */
import { stringify } from 'csv-stringify/sync';
import { formatCityIso, type WorkOrder } from '../../domain';
import type { CouchClient } from '../store/couch-client';
import { ORDERS_DB } from '../store/schema';
import { parseDateRange, type DateRange } from './range';

export const EXPORT_FORMATS = ['csv', 'geojson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const isExportFormat = (f: string): f is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(f);

/** The columns, in order (DataSF's 311 open data names where there is one). */
export const EXPORT_COLUMNS = [
	'service_request_id',
	'requested_datetime',
	'updated_datetime',
	'closed_datetime',
	'status',
	'status_notes',
	'service_code',
	'service_name',
	'department',
	'agency_responsible',
	'source',
	'address',
	'zipcode',
	'neighborhood',
	'supervisor_district',
	'lat',
	'long',
	'resolution',
	'duplicate_of'
] as const;
type Column = (typeof EXPORT_COLUMNS)[number];
type ExportRow = Record<Column, string | number | null>;

/** Columns named otherwise than the order's field, or derived from it; the rest are the field itself. */
const SOURCE_FIELD: Partial<Record<Column, keyof WorkOrder>> = { source: 'source_channel' };
const ORDER_FIELDS = EXPORT_COLUMNS.map((c) => SOURCE_FIELD[c] ?? c) as (keyof WorkOrder)[];
type OrderFields = Pick<WorkOrder, 'service_request_id' | 'requested_datetime' | 'service_code' | 'lat' | 'long'> & Record<string, unknown>;

export const MAX_EXPORT_DAYS = 366;
const DEFAULT_EXPORT_DAYS = 30;
const PAGE = 1000; // orders per store query
const DST_MARGIN_MS = 60 * 60 * 1000; // stored city wall-clock strings: widen, then check the instants

export type ExportQuery = DateRange;

/** start_date / end_date (city days, or date-times with a zone; default: the last 30 days), service_code list. */
export const parseExportQuery = (params: URLSearchParams, now: Date, timeZone: string) =>
	parseDateRange(params, now, timeZone, { defaultDays: DEFAULT_EXPORT_DAYS, maxDays: MAX_EXPORT_DAYS });

function toRow(o: OrderFields): ExportRow {
	const row = {} as ExportRow;
	for (const c of EXPORT_COLUMNS) {
		const v = o[SOURCE_FIELD[c] ?? c];
		row[c] = c === 'resolution' ? ((v as WorkOrder['resolution'])?.code ?? null) : ((v ?? null) as string | number | null);
	}
	return row;
}

/** The orders requested in the range, oldest first, a page at a time (key-range paging, no skip). */
async function* pages(store: CouchClient, q: ExportQuery, timeZone: string): AsyncGenerator<OrderFields[]> {
	const from = +q.start;
	const to = +q.end;
	const codes = q.serviceCodes ? new Set(q.serviceCodes) : null;
	const upper = formatCityIso(to + DST_MARGIN_MS, timeZone);
	let lower = formatCityIso(from - DST_MARGIN_MS, timeZone);
	let seenAtLower = new Set<string>(); // ids already sent whose time string equals `lower`
	for (;;) {
		const res = await store.db(ORDERS_DB).find<OrderFields>({
			selector: { type: 'work_order', requested_datetime: { $gte: lower, $lte: upper } },
			fields: ORDER_FIELDS,
			sort: [{ type: 'asc' }, { requested_datetime: 'asc' }],
			use_index: ['idx-orders', 'by-requested'],
			limit: PAGE + seenAtLower.size
		});
		const fresh = res.docs.filter((d) => !(d.requested_datetime === lower && seenAtLower.has(d.service_request_id)));
		const out = fresh.filter((d) => {
			const t = Date.parse(d.requested_datetime);
			return t >= from && t <= to && (!codes || codes.has(d.service_code));
		});
		if (out.length) yield out;
		if (res.docs.length < PAGE + seenAtLower.size || fresh.length === 0) return;
		const last = fresh[fresh.length - 1]!.requested_datetime;
		seenAtLower = new Set([...(last === lower ? seenAtLower : []), ...fresh.filter((d) => d.requested_datetime === last).map((d) => d.service_request_id)]);
		lower = last;
	}
}

/** The export as a byte stream: CSV with a header row, or a GeoJSON FeatureCollection of points. */
export function exportStream(store: CouchClient, q: ExportQuery, format: ExportFormat, timeZone: string): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	const source = pages(store, q, timeZone);
	let first = true;
	let done = false;
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (done) return;
			const next = await source.next();
			if (next.done) {
				done = true;
				if (format === 'csv' && first) controller.enqueue(encoder.encode(stringify([], { header: true, columns: [...EXPORT_COLUMNS] })));
				if (format === 'geojson') controller.enqueue(encoder.encode(first ? '{"type":"FeatureCollection","features":[]}\n' : ']}\n'));
				controller.close();
				return;
			}
			const rows = next.value.map(toRow);
			if (format === 'csv') {
				controller.enqueue(encoder.encode(stringify(rows, { header: first, columns: [...EXPORT_COLUMNS], cast: { number: (n) => String(n) } })));
			} else {
				const features = rows.map((r) => JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: [r.long, r.lat] }, properties: r })).join(',');
				controller.enqueue(encoder.encode(`${first ? '{"type":"FeatureCollection","features":[' : ','}${features}`));
			}
			first = false;
		},
		async cancel() {
			await source.return(undefined);
		}
	});
}
