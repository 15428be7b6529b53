/**
 * The demo seed (SEED=demo): the real SF 311 sample from seed/sf311 with service types, departments,
 * crews and demo accounts, written into an empty store on first start. Idempotent: documents that already
 * exist are left alone, and users are written last, so a start that was killed midway finishes next time.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { userDocId, userSchema, type User } from '../../domain';
import { hashPassword } from '../auth/password';
import type { Config } from '../config';
import type { CouchClient } from '../store/couch-client';
import { DIRECTORY_DB, ORDERS_DB, isEmpty } from '../store/schema';
import { insertMissing, type InsertCounts } from './insert-missing';
import { buildDemoSeed } from './orders';
import { parseSf311Csv } from './sf311-csv';

/** The shipped sample (relative to the app's working directory, the repository root). */
export const SEED_CSV = path.resolve('seed', 'sf311', 'sf311_cases_sample_2008-2016.csv');
/** The password of every demo account (documented in README.md). Never used with SEED=none. */
export const DEMO_PASSWORD = 'fieldwork311';

function summary(label: string, c: InsertCounts): string {
	return `${label} ${c.inserted} new, ${c.existing} already there${c.failed.length ? `, ${c.failed.length} failed` : ''}`;
}

export async function seedIfEmpty(store: CouchClient, _config: Config, now = new Date()): Promise<void> {
	if (!(await isEmpty(store))) return;
	const started = Date.now();
	const { rows, errors } = await parseSf311Csv(await readFile(SEED_CSV, 'utf8'));
	for (const e of errors) console.warn(`[seed] ${path.basename(SEED_CSV)} line ${e.line}: ${e.reason}`);
	const seed = buildDemoSeed(rows, now);

	const directory = store.db(DIRECTORY_DB);
	const dir = await insertMissing(directory, [...seed.departments, ...seed.serviceTypes, ...seed.crews]);
	const orders = await insertMissing(store.db(ORDERS_DB), [...seed.history, ...seed.today]);
	const createdAt = now.toISOString();
	const users: User[] = [];
	for (const u of seed.users) {
		users.push(
			userSchema.parse({
				_id: userDocId(u.id),
				type: 'user',
				...u,
				password_hash: await hashPassword(DEMO_PASSWORD),
				active: true,
				created_at: createdAt
			})
		);
	}
	const usersWritten = await insertMissing(directory, users);
	const failed = [...dir.failed, ...orders.failed, ...usersWritten.failed];
	for (const f of failed) console.error(`[seed] could not write ${f.id}: ${f.reason}`);
	const assigned = seed.today.filter((o) => o.crew !== null).length;
	console.log(
		`[seed] SF 311 demo data in ${Date.now() - started} ms: ${rows.length} cases read (${errors.length} bad rows); ` +
			`${summary('orders', orders)}; ${summary('directory docs', dir)}; ${summary('users', usersWritten)}; ` +
			`today: ${seed.today.length} open downtown orders, ${assigned} assigned to ${seed.crews.length} crews`
	);
	if (failed.length > 0) throw new Error(`the demo seed could not write ${failed.length} documents (see above)`);
}
