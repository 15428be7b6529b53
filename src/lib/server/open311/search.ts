/**
 * GET requests: the spec's filters as Mango queries on indexes that end in requested_datetime (newest first),
 * one query per service code × status so every condition is served by an index and `limit` reaches the
 * store. Request times are stored as city wall-clock ISO strings (one offset family, domain/time.ts), so a
 * range on the strings is a range on the instants; the bounds are widened by an hour for the autumn DST
 * overlap and the exact range is then checked on the parsed times.
 */
import { z } from 'zod';
import {
	formatCityIso,
	OPEN311_ORDER_FIELDS,
	workOrderDocId,
	workOrderSchema,
	type Open311OrderFields,
	type RequestsQuery
} from '../../domain';
import type { CouchClient } from '../store/couch-client';
import { ORDERS_DB } from '../store/schema';

const DST_MARGIN_MS = 60 * 60 * 1000; // 1 hour: the repeated hour when clocks fall back
const SCAN_BATCH = 1000; // documents per _find while filtering by bbox
export const MAX_SCAN = 50_000; // documents one bbox search reads at most (each query)
export const MAX_SERVICE_CODES = 50;

const orderFieldsSchema = workOrderSchema.pick(Object.fromEntries(OPEN311_ORDER_FIELDS.map((f) => [f, true])) as { [K in (typeof OPEN311_ORDER_FIELDS)[number]]: true });

function parseDocs(docs: unknown[]): Open311OrderFields[] {
	const out: Open311OrderFields[] = [];
	for (const doc of docs) {
		const parsed = orderFieldsSchema.safeParse(doc);
		if (parsed.success) out.push(parsed.data);
		else console.error(`[open311] skipping invalid order ${(doc as { _id?: string })._id}: ${z.prettifyError(parsed.error)}`);
	}
	return out;
}

interface Plan {
	selector: Record<string, unknown>;
	sort: Record<string, 'desc'>[];
	index: [string, string];
}

function plans(q: RequestsQuery, timeZone: string): Plan[] {
	const requested = {
		$gte: formatCityIso(+q.start - DST_MARGIN_MS, timeZone),
		$lte: formatCityIso(+q.end + DST_MARGIN_MS, timeZone)
	};
	const codes: (string | null)[] = q.serviceCodes ?? [null];
	const statuses: (string | null)[] = q.statuses ?? [null];
	return codes.flatMap((code) =>
		statuses.map((status) => {
			const fields = ['type', ...(code ? ['service_code'] : []), ...(status ? ['status'] : []), 'requested_datetime'];
			const name = code && status ? 'by-service-status-requested' : code ? 'by-service-requested' : status ? 'by-status-requested' : 'by-requested';
			return {
				selector: { type: 'work_order', ...(code ? { service_code: code } : {}), ...(status ? { status } : {}), requested_datetime: requested },
				sort: fields.map((f) => ({ [f]: 'desc' as const })),
				index: ['idx-orders', name] as [string, string]
			};
		})
	);
}

const newestFirst = (a: Open311OrderFields, b: Open311OrderFields) =>
	Date.parse(b.requested_datetime) - Date.parse(a.requested_datetime) || (a.service_request_id < b.service_request_id ? -1 : 1);

/** Up to `wanted` orders of one plan that pass `keep`, newest first. */
async function run(store: CouchClient, plan: Plan, wanted: number, keep: (o: Open311OrderFields) => boolean, filtered: boolean): Promise<Open311OrderFields[]> {
	const out: Open311OrderFields[] = [];
	// Without a bbox only the DST margin is filtered out: one query a little over `wanted` is enough.
	const batch = filtered ? SCAN_BATCH : wanted + 50;
	for (let skip = 0; skip < MAX_SCAN; skip += batch) {
		const res = await store.db(ORDERS_DB).find<unknown>({
			selector: plan.selector,
			fields: [...OPEN311_ORDER_FIELDS],
			sort: plan.sort,
			limit: batch,
			skip,
			use_index: plan.index
		});
		out.push(...parseDocs(res.docs).filter(keep));
		if (out.length >= wanted || res.docs.length < batch) break;
	}
	return out;
}

/** The requests a GET requests call answers, newest first (limits on codes and pages: api.ts). */
export async function searchRequests(store: CouchClient, q: RequestsQuery, timeZone: string): Promise<Open311OrderFields[]> {
	if (q.ids) {
		const res = await store.db(ORDERS_DB).allDocs<unknown>({ keys: q.ids.map(workOrderDocId), include_docs: true });
		return parseDocs(res.rows.flatMap((r) => (r.doc ? [r.doc] : []))).sort(newestFirst);
	}
	const from = +q.start;
	const to = +q.end;
	const { bbox } = q;
	const keep = (o: Open311OrderFields) => {
		const t = Date.parse(o.requested_datetime);
		if (t < from || t > to) return false;
		return !bbox || (o.long >= bbox.west && o.long <= bbox.east && o.lat >= bbox.south && o.lat <= bbox.north);
	};
	const wanted = q.page * q.pageSize;
	const parts = await Promise.all(plans(q, timeZone).map((p) => run(store, p, wanted, keep, bbox !== null)));
	return parts
		.flat()
		.sort(newestFirst)
		.slice((q.page - 1) * q.pageSize, q.page * q.pageSize);
}
