/**
 * The dispatch board's data (issue 06): open orders and those closed in the last day, crews with their last
 * position and tablet presence, and the lists the board's filters and actions need. Built from the store on
 * each request; the live feed (board-feed.ts) then sends changes.
 */
import {
	crewPresenceDocId,
	crewPresenceSchema,
	presencePingSchema,
	toBoardOrder,
	type BoardCrew,
	type BoardData,
	type BoardOrder,
	type CrewPresence,
	type SessionUser
} from '../domain';
import type { BoardIndex } from './board-index';
import { listCrews, listDepartments, listServiceTypes, readOfType } from './directory';
import { findOrders, openOrderSelectors } from './orders';
import { BadRequestError, ForbiddenError, describeZodError } from './errors';
import { isConflict, type CouchClient } from './store/couch-client';
import { CONFLICTS_DB, DIRECTORY_DB } from './store/schema';

const MS_PER_HOUR = 60 * 60 * 1000;
export const BOARD_CLOSED_WINDOW_MS = 24 * MS_PER_HOUR; // closed orders stay on the board for a day
const MAX_UTC_OFFSET_MS = 14 * MS_PER_HOUR; // UTC+14 (Kiribati) is the widest offset
const MAX_BOARD_ORDERS = 20_000; // open orders per answer: a large city's backlog
const PRESENCE_RETRIES = 3;

async function boardOrders(store: CouchClient, now: Date, index: BoardIndex | null): Promise<BoardOrder[]> {
	const since = +now - BOARD_CLOSED_WINDOW_MS;
	if (index) return index.snapshot(since);
	// The index compares text, and close times carry their own offsets (up to 14 h from UTC): ask for a
	// little more, then compare instants below.
	const sinceText = new Date(since - MAX_UTC_OFFSET_MS).toISOString();
	const orders = await findOrders(
		store,
		[...openOrderSelectors(), { type: 'work_order', status: 'closed', closed_datetime: { $gte: sinceText } }],
		MAX_BOARD_ORDERS
	);
	return orders.filter((o) => !o.closed_datetime || Date.parse(o.closed_datetime) >= since).map(toBoardOrder);
}

async function presences(store: CouchClient): Promise<Map<string, CrewPresence>> {
	// Range reads, not Mango queries (see directory.ts listOfType): 100 tablets pinging keep the index busy.
	const byCrew = new Map<string, CrewPresence>();
	for (const doc of await readOfType(store, 'presence')) {
		const p = crewPresenceSchema.safeParse(doc);
		if (p.success) byCrew.set(p.data.crew, p.data);
	}
	return byCrew;
}

export async function listBoardCrews(store: CouchClient): Promise<BoardCrew[]> {
	const [crews, seen] = await Promise.all([listCrews(store), presences(store)]);
	return crews
		.map((c) => {
			const p = seen.get(c.id);
			return {
				id: c.id,
				name: c.name,
				department: c.department,
				service_codes: c.service_codes,
				depot: c.depot,
				last_position: c.last_position,
				seen_at: p?.seen_at ?? null,
				last_synced_at: p?.last_synced_at ?? null,
				queued_actions: p?.queued_actions ?? 0
			};
		})
		.sort((a, b) => a.name.localeCompare(b.name));
}

export async function countOpenConflicts(store: CouchClient): Promise<number> {
	const res = await store.db(CONFLICTS_DB).find<{ _id: string }>({ selector: { state: 'open' }, fields: ['_id'], limit: MAX_BOARD_ORDERS });
	return res.docs.length;
}

/** `index`: the in-memory board orders when they fit the live feed (BoardFeed.boardOrdersSource), else the store. */
export async function loadBoard(store: CouchClient, now: Date = new Date(), index: BoardIndex | null = null): Promise<BoardData> {
	const [orders, crews, departments, types, people, openConflicts] = await Promise.all([
		boardOrders(store, now, index),
		listBoardCrews(store),
		listDepartments(store),
		listServiceTypes(store),
		readOfType(store, 'user') as Promise<{ type: string; id: string; name: string }[]>,
		countOpenConflicts(store)
	]);
	return {
		now: now.toISOString(),
		orders,
		crews,
		departments: departments.map((d) => ({ id: d.id, name: d.name })).sort((a, b) => a.name.localeCompare(b.name)),
		serviceTypes: types
			.map((t) => ({ code: t.service_code, name: t.service_name, department: t.department, service_minutes: t.service_minutes, sla_hours: t.sla_hours }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		people: Object.fromEntries(people.map((u) => [u.id, u.name])),
		openConflicts
	};
}

/** A crew tablet's ping: the crew's presence document says when it was last in touch. */
export async function recordPresence(store: CouchClient, user: SessionUser, body: unknown, now: Date = new Date()): Promise<CrewPresence> {
	if (user.role !== 'crew' || !user.crew) throw new ForbiddenError('Only crew tablets report presence');
	const ping = presencePingSchema.safeParse(body);
	if (!ping.success) throw new BadRequestError(describeZodError(ping.error));
	const db = store.db(DIRECTORY_DB);
	const id = crewPresenceDocId(user.crew);
	for (let attempt = 0; ; attempt++) {
		const existing = await db.getOrNull<{ _rev: string }>(id);
		const doc: CrewPresence = {
			_id: id,
			...(existing ? { _rev: existing._rev } : {}),
			type: 'presence',
			crew: user.crew,
			user: user.id,
			seen_at: now.toISOString(),
			last_synced_at: ping.data.last_synced_at,
			queued_actions: ping.data.queued_actions
		};
		try {
			await db.put(doc);
			return doc;
		} catch (e) {
			// Two tablets of one crew pinging at once: the later write wins, which is what "last seen" means.
			if (!isConflict(e) || attempt >= PRESENCE_RETRIES) throw e;
		}
	}
}
