/**
 * GET requests from memory (issue 07's benchmark: filtered searches at 200 requests/s). The embedded store
 * reads every matching document for a Mango query (about 0.3 ms each), which caps searches at a few dozen a
 * second; this read model answers them in well under a millisecond.
 *
 * It holds the public Open311 fields of every order (about 0.5 KB each: ~50 MB for 100,000 orders), per
 * service code in request-time order, fed by the orders feed (orders-feed.ts) from the start, so it is
 * complete once the feed has caught up; until then `search.ts` answers from the store. The feed starts on
 * the first Open311 search or report a server gets. Each app server keeps its own; an order written by this
 * server is put in at once, others arrive with the changes feed.
 */
import { OPEN311_ORDER_FIELDS, type Open311OrderFields, type RequestsQuery } from '../../domain';
import type { OrderReadModel } from '../orders-feed';

interface Entry {
	id: string;
	/** requested_datetime as an instant (ms). */
	t: number;
	/** Revision generation, so an older copy never replaces a newer one. */
	gen: number;
	f: Open311OrderFields;
	/** The request as JSON, made on first use (a search answers hundreds: serialised once, not per call). */
	json?: string;
}

const revGen = (rev: unknown) => (typeof rev === 'string' ? Number.parseInt(rev, 10) || 0 : 0);

/** The Open311 fields of a work order document, or null for anything else (or a broken one). */
function fieldsOf(doc: Record<string, unknown>): Open311OrderFields | null {
	if (doc.type !== 'work_order' || typeof doc.service_request_id !== 'string' || typeof doc.service_code !== 'string') return null;
	if (typeof doc.requested_datetime !== 'string' || !Number.isFinite(Date.parse(doc.requested_datetime))) return null;
	const f: Record<string, unknown> = {};
	for (const k of OPEN311_ORDER_FIELDS) f[k] = k === 'photos' ? (Array.isArray(doc.photos) ? doc.photos.filter((p: { public?: boolean }) => p?.public) : []) : doc[k];
	return f as unknown as Open311OrderFields;
}

/** First index in `list` (ascending by t) whose t is >= `t`. */
function lowerBound(list: readonly Entry[], t: number): number {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (list[mid]!.t < t) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

export class RequestIndex implements OrderReadModel {
	/** How a request is shown as JSON (toOpen311Request with this server's URL and zone, stringified). */
	readonly #render: (f: Open311OrderFields) => string;
	readonly #byId = new Map<string, Entry>();
	readonly #byCode = new Map<string, Entry[]>();

	constructor(render: (f: Open311OrderFields) => string = (f) => JSON.stringify(f)) {
		this.#render = render;
	}

	get size(): number {
		return this.#byId.size;
	}

	/** Takes in an order document (or its deletion); older revisions than the one held are ignored. */
	apply(doc: Record<string, unknown> | null | undefined, id: string, deleted = false): void {
		const gen = revGen(doc?._rev);
		const held = this.#byId.get(id);
		if (held && gen > 0 && gen < held.gen) return;
		const f = !deleted && doc ? fieldsOf(doc) : null;
		if (!f) {
			if (held) this.#remove(held);
			return;
		}
		const t = Date.parse(f.requested_datetime);
		if (held && held.t === t && held.f.service_code === f.service_code) {
			held.f = f;
			held.gen = gen;
			held.json = undefined;
			return;
		}
		if (held) this.#remove(held);
		const entry: Entry = { id, t, gen, f };
		this.#byId.set(id, entry);
		let list = this.#byCode.get(f.service_code);
		if (!list) this.#byCode.set(f.service_code, (list = []));
		// New requests are the newest: usually an append.
		if (list.length === 0 || list[list.length - 1]!.t <= t) list.push(entry);
		else list.splice(lowerBound(list, t + 1), 0, entry);
	}

	#remove(entry: Entry): void {
		this.#byId.delete(entry.id);
		const list = this.#byCode.get(entry.f.service_code);
		if (!list) return;
		for (let i = lowerBound(list, entry.t); i < list.length && list[i]!.t === entry.t; i++) {
			if (list[i] === entry) {
				list.splice(i, 1);
				return;
			}
		}
	}

	/** The page of requests a GET requests call (without service_request_id) answers, newest first. */
	#find(q: RequestsQuery): Entry[] {
		const from = +q.start;
		const to = +q.end;
		const wanted = q.page * q.pageSize;
		const statuses = q.statuses ? new Set<string>(q.statuses) : null;
		const { bbox } = q;
		const codes = q.serviceCodes ?? [...this.#byCode.keys()];
		const found: Entry[] = [];
		for (const code of codes) {
			const list = this.#byCode.get(code);
			if (!list) continue;
			let taken = 0;
			let lastT = NaN;
			for (let i = lowerBound(list, to + 1) - 1; i >= 0; i--) {
				const e = list[i]!;
				if (e.t < from) break;
				// Enough from this code, except requests at the same time as the last one (ties go by id below).
				if (taken >= wanted && e.t !== lastT) break;
				if (statuses && !statuses.has(e.f.status)) continue;
				if (bbox && !(e.f.long >= bbox.west && e.f.long <= bbox.east && e.f.lat >= bbox.south && e.f.lat <= bbox.north)) continue;
				found.push(e);
				taken++;
				lastT = e.t;
			}
		}
		found.sort((a, b) => b.t - a.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
		return found.slice((q.page - 1) * q.pageSize, wanted);
	}

	/** The page of requests a GET requests call (without service_request_id) answers, newest first. */
	search(q: RequestsQuery): Open311OrderFields[] {
		return this.#find(q).map((e) => e.f);
	}

	/** The same page as a JSON array text, from each request's cached JSON. */
	searchJson(q: RequestsQuery): string {
		return `[${this.#find(q)
			.map((e) => (e.json ??= this.#render(e.f)))
			.join(',')}]`;
	}

	/** Requests of one service code requested in [from, to] (ms) whose status is one of `statuses`. */
	inWindow(code: string, from: number, to: number, statuses: ReadonlySet<string>): Open311OrderFields[] {
		const list = this.#byCode.get(code) ?? [];
		const out: Open311OrderFields[] = [];
		for (let i = lowerBound(list, from); i < list.length && list[i]!.t <= to; i++) if (statuses.has(list[i]!.f.status)) out.push(list[i]!.f);
		return out;
	}
}
