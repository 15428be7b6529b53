/**
 * Databases, design documents and Mango indexes, applied idempotently at every start (DESIGN.md point 1).
 */
import type { CouchClient, MangoIndex } from './couch-client';
import { isNotFound } from './couch-client';

/** The master database: every service request / work order (DESIGN.md point 2). */
export const ORDERS_DB = 'orders';
/** Service types, departments, crews, users, login throttles, device tokens. */
export const DIRECTORY_DB = 'directory';
/** Every field action the runner has taken in, with its photos: the append-only log (DESIGN.md point 3). */
export const ACTIONS_DB = 'actions';
/** Actions that could not be applied cleanly, for the supervisors' inbox. */
export const CONFLICTS_DB = 'conflicts';
/** Resident e-mails: every message the notifier made (sent, kept in the outbox, suppressed), and unsubscribes. */
export const MAIL_DB = 'mail';
/** Public media: residents' report photos and public copies of closing photos, EXIF removed. */
export const MEDIA_DB = 'media';

/**
 * Open duplicate links (`link:<report>` → its parent), written by the intake and removed once settled: small,
 * so the duplicate closer reads it whole instead of indexing every order.
 */
export const LINKS_DB = 'links';

export const ALL_DBS = [ORDERS_DB, DIRECTORY_DB, ACTIONS_DB, CONFLICTS_DB, MAIL_DB, MEDIA_DB, LINKS_DB] as const;

const INDEXES: Record<string, MangoIndex[]> = {
	[ORDERS_DB]: [
		{ ddoc: 'idx-orders', name: 'by-crew-status', index: { fields: ['type', 'crew', 'status'] } },
		{ ddoc: 'idx-orders', name: 'by-status-requested', index: { fields: ['type', 'status', 'requested_datetime'] } },
		{ ddoc: 'idx-orders', name: 'by-requested', index: { fields: ['type', 'requested_datetime'] } },
		{ ddoc: 'idx-orders', name: 'by-service-requested', index: { fields: ['type', 'service_code', 'requested_datetime'] } },
		{ ddoc: 'idx-orders', name: 'by-status-closed', index: { fields: ['type', 'status', 'closed_datetime'] } },
		// Open311 GET requests with both service_code and status; duplicate detection.
		{ ddoc: 'idx-orders', name: 'by-service-status-requested', index: { fields: ['type', 'service_code', 'status', 'requested_datetime'] } },
		// Open311 tokens/{token}.
		{ ddoc: 'idx-orders', name: 'by-token', index: { fields: ['type', 'intake_token'] } },
		// Open311 servicerequestupdates.
		{ ddoc: 'idx-orders', name: 'by-updated', index: { fields: ['type', 'updated_datetime'] } }
	],
	[DIRECTORY_DB]: [{ ddoc: 'idx-directory', name: 'by-type', index: { fields: ['type'] } }],
	[ACTIONS_DB]: [{ ddoc: 'idx-actions', name: 'by-order', index: { fields: ['order_id', 'device_time'] } }],
	[CONFLICTS_DB]: [{ ddoc: 'idx-conflicts', name: 'by-state', index: { fields: ['state', 'created_at'] } }],
	[MAIL_DB]: [
		{ ddoc: 'idx-mail', name: 'by-created', index: { fields: ['type', 'created_at'] } },
		{ ddoc: 'idx-mail', name: 'by-state', index: { fields: ['type', 'state', 'created_at'] } }
	]
};

/** Map/reduce views (JavaScript, evaluated by the store). Counts orders per type and status. */
const DESIGN_DOCS: Record<string, { _id: string; views: Record<string, { map: string; reduce?: string }> }[]> = {
	[ORDERS_DB]: [
		{
			_id: '_design/stats',
			views: {
				by_status: {
					map: "function (doc) { if (doc.type === 'work_order') emit(doc.status, 1); }",
					reduce: '_count'
				}
			}
		}
	]
};

export async function applySchema(client: CouchClient): Promise<void> {
	for (const name of ALL_DBS) await client.db(name).create();
	for (const [dbName, docs] of Object.entries(DESIGN_DOCS)) {
		const db = client.db(dbName);
		for (const doc of docs) {
			const existing = await db.getOrNull<{ _rev: string; views: unknown }>(doc._id);
			if (existing && JSON.stringify(existing.views) === JSON.stringify(doc.views)) continue;
			await db.put({ ...doc, ...(existing ? { _rev: existing._rev } : {}) });
		}
	}
	for (const [dbName, indexes] of Object.entries(INDEXES)) {
		// POST /_index is idempotent: an identical index answers "exists".
		for (const index of indexes) await client.db(dbName).createIndex(index);
	}
}

export async function isEmpty(client: CouchClient): Promise<boolean> {
	try {
		const res = await client.db(DIRECTORY_DB).find<{ _id: string }>({ selector: { type: 'user' }, limit: 1, fields: ['_id'] });
		return res.docs.length === 0;
	} catch (e) {
		if (isNotFound(e)) return true;
		throw e;
	}
}
