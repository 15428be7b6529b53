/**
 * Idempotent bulk import: writes the documents whose ids are not in the database yet and leaves the
 * others alone, so a re-run (or a resumed run after a crash) never duplicates or overwrites later work.
 */
import type { CouchDatabase } from '../store/couch-client';

export const IMPORT_BATCH = 500; // documents per _bulk_docs request

export interface InsertCounts {
	inserted: number;
	existing: number;
	failed: { id: string; reason: string }[];
}

export async function insertMissing(db: CouchDatabase, docs: readonly { _id: string }[]): Promise<InsertCounts> {
	const counts: InsertCounts = { inserted: 0, existing: 0, failed: [] };
	for (let i = 0; i < docs.length; i += IMPORT_BATCH) {
		const batch = docs.slice(i, i + IMPORT_BATCH);
		const present = await db.allDocs({ keys: batch.map((d) => d._id) });
		const existing = new Set(present.rows.filter((r) => r.value && !r.value.deleted).map((r) => r.id));
		const fresh = batch.filter((d) => !existing.has(d._id));
		counts.existing += batch.length - fresh.length;
		if (fresh.length === 0) continue;
		const results = await db.bulkDocs(fresh);
		for (const r of results) {
			if (r.error === 'conflict') counts.existing++; // written by a concurrent run meanwhile
			else if (r.error) counts.failed.push({ id: r.id, reason: `${r.error}: ${r.reason ?? ''}` });
			else counts.inserted++;
		}
	}
	return counts;
}
