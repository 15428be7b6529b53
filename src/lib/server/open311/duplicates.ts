/**
 * Closing a report closes its linked duplicates (issue 07). Follows the orders database: when an order is
 * closed, each open report linked to it gets a server-made `duplicate` action carrying the parent's closing
 * note, applied by the same reducer as every other action (so it is in the log, the history and the e-mails).
 * A report linked just as its parent closed is caught from its own side: a linked open report whose parent is
 * already closed is closed too. Action ids are derived from (report, parent, close time), so replays, restarts
 * and two app servers apply each closure once.
 */
import { v5 as uuidv5 } from 'uuid';
import {
	actionDocId,
	fieldActionSchema,
	workOrderDocId,
	workOrderSchema,
	type FieldAction,
	type WorkOrder
} from '../../domain';
import { isConflict, isNotFound, type CouchClient } from '../store/couch-client';
import { ACTIONS_DB, LINKS_DB, ORDERS_DB } from '../store/schema';
import { follow } from '../sync/follow';
import { applyAction } from '../sync/runner';

/** Namespace of the derived action ids (a fixed random UUID). */
const LINKED_CLOSE_NAMESPACE = '2f0d6c4e-8a51-4b7e-9d3c-5e1f7a9b0c42';
export const SYSTEM_AUTHOR = 'system';
const PUBLIC_NOTE_MAX = 4000;

function linkedCloseAction(child: string, parent: Pick<WorkOrder, 'service_request_id' | 'closed_datetime' | 'updated_datetime' | 'status_notes'>): FieldAction {
	const at = parent.closed_datetime ?? parent.updated_datetime;
	const id = uuidv5(`${child}|${parent.service_request_id}|${at}`, LINKED_CLOSE_NAMESPACE);
	const note = parent.status_notes?.trim().slice(0, PUBLIC_NOTE_MAX);
	return fieldActionSchema.parse({
		_id: actionDocId(id),
		type: 'field_action',
		id,
		action: 'duplicate',
		order_id: child,
		crew: null,
		author: SYSTEM_AUTHOR,
		device_time: at,
		base_rev: null,
		payload: { of: parent.service_request_id, ...(note ? { public_note: note } : {}) }
	});
}

async function closeWith(store: CouchClient, child: string, parent: WorkOrder): Promise<void> {
	const action = linkedCloseAction(child, parent);
	try {
		await store.db(ACTIONS_DB).put(action);
	} catch (e) {
		if (!isConflict(e)) throw e; // logged before (a replay): apply is idempotent
	}
	await applyAction(store, action);
}

export interface DuplicateLink {
	_id: string;
	_rev?: string;
	type: 'duplicate_link';
	child: string;
	parent: string;
	created_at: string;
}
export const linkDocId = (child: string) => `link:${child}`;

/** Records that `child` is a duplicate of `parent` (the intake does, before the report itself). Returns its revision. */
export async function recordLink(store: CouchClient, child: string, parent: string, now: Date): Promise<string> {
	const link: DuplicateLink = { _id: linkDocId(child), type: 'duplicate_link', child, parent, created_at: now.toISOString() };
	return (await store.db(LINKS_DB).put(link)).rev;
}

/** Every open link (the links database holds only unsettled ones: few). */
async function openLinks(store: CouchClient): Promise<DuplicateLink[]> {
	const res = await store.db(LINKS_DB).allDocs<DuplicateLink>({ startkey: 'link:', endkey: 'link:\ufff0', include_docs: true });
	return res.rows.map((r) => r.doc!).filter((d) => d && d.type === 'duplicate_link');
}

async function settle(store: CouchClient, link: DuplicateLink): Promise<void> {
	try {
		await store.db(LINKS_DB).remove(link._id, link._rev!);
	} catch (e) {
		if (!isConflict(e) && !isNotFound(e)) throw e; // another server settled it
	}
}

/**
 * Closes what these orders' states call for: the open duplicates of the closed ones, and the linked open ones
 * whose parent is already closed. Links whose report is closed (by its parent or on its own) are removed.
 * Returns how many reports it closed.
 */
export async function settleDuplicates(store: CouchClient, orders: readonly WorkOrder[]): Promise<number> {
	const closedParents = new Map(orders.filter((o) => o.status === 'closed').map((o) => [o.service_request_id, o]));
	const closedIds = new Set(closedParents.keys());
	const openLinked = orders.filter((o) => o.status !== 'closed' && o.duplicate_of);
	if (closedIds.size === 0 && openLinked.length === 0) return 0;
	let closed = 0;
	for (const link of await openLinks(store)) {
		const parent = closedParents.get(link.parent);
		if (parent) {
			// Only a report that really is linked to this parent (a link left by a failed intake is dropped).
			const raw = await store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(link.child));
			const child = raw ? workOrderSchema.safeParse(raw) : null;
			if (child?.success && child.data.duplicate_of === link.parent) {
				await closeWith(store, link.child, parent);
				closed++;
			}
			await settle(store, link);
		} else if (closedIds.has(link.child)) {
			await settle(store, link); // the report was closed on its own
		}
	}
	for (const order of openLinked) {
		const raw = await store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(order.duplicate_of!));
		const parent = raw ? workOrderSchema.safeParse(raw) : null;
		if (parent?.success && parent.data.status === 'closed') {
			await closeWith(store, order.service_request_id, parent.data);
			closed++;
		}
	}
	return closed;
}

/** Follows the orders database until `signal` aborts. */
export function runDuplicateCloser(store: CouchClient, signal: AbortSignal): Promise<void> {
	return follow<unknown>({
		db: store.db(ORDERS_DB),
		checkpoint: 'duplicate-closer',
		signal,
		onError: (e) => console.error('[duplicates] batch failed, retrying:', e),
		handle: async (changes) => {
			const orders: WorkOrder[] = [];
			for (const change of changes) {
				if (change.deleted || !change.id.startsWith('order:')) continue;
				const parsed = workOrderSchema.safeParse(change.doc);
				// Only orders that can call for a closure: closed ones (may have open links) and open linked ones.
				if (parsed.success && (parsed.data.status === 'closed' || parsed.data.duplicate_of)) orders.push(parsed.data);
			}
			await settleDuplicates(store, orders);
		}
	});
}
