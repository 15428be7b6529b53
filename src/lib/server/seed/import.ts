/**
 * Imports a city export in the SF 311 columns (npm run import -- <file.csv>). Streams the file, reports bad
 * rows with their line numbers and reasons, and still imports every good row. Idempotent: a case whose
 * order already exists is left alone (a re-run, or a run resumed after a crash, duplicates nothing).
 * Categories and agency queues the store does not know yet become new service types and departments.
 */
import { serviceTypeSchema, type ServiceType } from '../../domain';
import { listDepartments, listServiceTypes } from '../directory';
import type { CouchClient } from '../store/couch-client';
import { DIRECTORY_DB, ORDERS_DB } from '../store/schema';
import { buildDepartments } from './departments';
import { IMPORT_BATCH, insertMissing } from './insert-missing';
import { caseToWorkOrder } from './orders';
import { buildServiceTypes, serviceCodeForCategory } from './service-types';
import { streamSf311Csv, type Sf311Case, type Sf311Input, type Sf311RowError } from './sf311-csv';

export interface ImportReport {
	rows: number;
	badRows: Sf311RowError[];
	inserted: number;
	alreadyPresent: number;
	failed: { id: string; reason: string }[];
	newServiceTypes: string[];
	newDepartments: string[];
}

/** Rows read and orders written so far: after every batch (a long import can show it is moving). */
export type ImportProgress = Pick<ImportReport, 'rows' | 'inserted' | 'alreadyPresent'>;

export async function importSf311(
	store: CouchClient,
	input: Sf311Input,
	onBadRow: (e: Sf311RowError) => void = () => {},
	onProgress: (p: ImportProgress) => void = () => {}
): Promise<ImportReport> {
	const report: ImportReport = { rows: 0, badRows: [], inserted: 0, alreadyPresent: 0, failed: [], newServiceTypes: [], newDepartments: [] };
	const types = new Map<string, ServiceType>((await listServiceTypes(store)).map((t) => [t.service_code, t]));
	const departments = new Set((await listDepartments(store)).map((d) => d.id));
	const directory = store.db(DIRECTORY_DB);
	const orders = store.db(ORDERS_DB);
	let batch: Sf311Case[] = [];

	const flush = async () => {
		if (batch.length === 0) return;
		// New agency queues and categories first, so every order refers to a known department and type.
		const newDepts = buildDepartments(batch.map((c) => c.agency)).filter((d) => !departments.has(d.id));
		const newTypes = buildServiceTypes(batch.filter((c) => !types.has(serviceCodeForCategory(c.category))));
		const written = await insertMissing(directory, [...newDepts, ...newTypes]);
		report.failed.push(...written.failed);
		for (const d of newDepts) {
			departments.add(d.id);
			report.newDepartments.push(d.id);
		}
		for (const t of newTypes) {
			types.set(t.service_code, serviceTypeSchema.parse(t));
			report.newServiceTypes.push(t.service_code);
		}
		const counts = await insertMissing(orders, batch.map((c) => caseToWorkOrder(c, { serviceTypes: types })));
		report.inserted += counts.inserted;
		report.alreadyPresent += counts.existing;
		report.failed.push(...counts.failed);
		batch = [];
		onProgress({ rows: report.rows, inserted: report.inserted, alreadyPresent: report.alreadyPresent });
	};

	for await (const event of streamSf311Csv(input)) {
		if (event.kind === 'error') {
			report.badRows.push(event.error);
			onBadRow(event.error);
			continue;
		}
		report.rows++;
		batch.push(event.row);
		if (batch.length >= IMPORT_BATCH) await flush();
	}
	await flush();
	return report;
}
