/**
 * Crash safety of the import (issue 09): a city export is being imported when a process dies with SIGKILL —
 * the import itself (its own embedded store in DATA_DIR), or the running app whose store it writes to. After
 * a restart the store opens, every order in it is whole (valid per the schema), and running the import
 * again resumes it: the orders already written are left alone, the rest are written, none twice.
 * (SIGKILL during heavy sync is the chaos run's job: tests/integration/chaos.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { ORDERS_DB } from '../../src/lib/server/store/schema';
import { ROOT, startApp } from '../helpers/app-server';
import { storeOf } from '../helpers/store';

const ROWS = 7_000; // the sample's cases, repeated with new ids: past the first progress line (5,000 rows), then more
const FIRST_ID = 80_000_000;
const IMPORT_TIMEOUT_MS = 240_000;

let dir: string;
let file: string;
let ids: string[];

beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'fw-crash-'));
	const sample = parse(await readFile(path.join(ROOT, 'seed/sf311/sf311_cases_sample_2008-2016.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
	const rows = Array.from({ length: ROWS }, (_, i) => ({ ...sample[i % sample.length]!, CaseID: String(FIRST_ID + i) }));
	ids = rows.map((r) => `order:${r.CaseID}`);
	file = path.join(dir, 'export.csv');
	await writeFile(file, stringify(rows, { header: true }));
}, 60_000);
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

interface ImportRun {
	proc: ChildProcess;
	out: () => string;
	exit: Promise<number | null>;
}

function startImport(dataDir: string): ImportRun {
	// One process (tsx as a loader, not its CLI, which runs the script in a child a SIGKILL would not reach).
	const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/import.ts'), file], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
	const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
	return { proc, out: () => out, exit };
}

/** Resolves once the import has said it wrote orders (its first progress line). */
async function progressSeen(run: ImportRun): Promise<void> {
	const deadline = Date.now() + IMPORT_TIMEOUT_MS;
	while (!/orders written/.test(run.out())) {
		if (run.proc.exitCode !== null) throw new Error(`the import ended before it could be killed:\n${run.out()}`);
		if (Date.now() > deadline) throw new Error(`no progress from the import:\n${run.out()}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

/** Every order of the export in the store: counted, whole, once. */
async function expectAllImported(store: CouchClient) {
	const found = new Set<string>();
	for (let i = 0; i < ids.length; i += 1000) {
		const res = await store.db(ORDERS_DB).allDocs<Record<string, unknown>>({ keys: ids.slice(i, i + 1000), include_docs: true });
		for (const row of res.rows) {
			if (!row.doc) continue;
			expect(workOrderSchema.safeParse(row.doc).success).toBe(true);
			found.add(row.id);
		}
	}
	expect(found.size).toBe(ROWS);
}

describe('SIGKILL during an import', () => {
	it('the import killed midway: its store opens whole, and a second run writes the rest', async () => {
		const dataDir = path.join(dir, 'own-store');
		const first = startImport(dataDir);
		await progressSeen(first);
		first.proc.kill('SIGKILL');
		expect(await first.exit).toBeNull(); // killed, not finished

		const second = startImport(dataDir);
		expect(await second.exit, second.out()).toBe(0);
		const summary = /import: (\d+) good rows, 0 bad rows; (\d+) orders imported, (\d+) already present/.exec(second.out());
		expect(summary, second.out()).not.toBeNull();
		const [, rows, inserted, present] = summary!.map(Number);
		expect(rows).toBe(ROWS);
		expect(present).toBeGreaterThan(0); // what the first run wrote before it died…
		expect(inserted! + present!).toBe(ROWS); // …and the rest, nothing twice

		const app = await startApp({ dataDir, env: { SEED: 'none' } });
		try {
			await expectAllImported(await storeOf(dataDir));
		} finally {
			await app.stop();
		}
	}, IMPORT_TIMEOUT_MS * 2);

	it('the app holding the store killed midway: the import stops with a reason; after a restart it resumes', async () => {
		const dataDir = path.join(dir, 'app-store');
		let app = await startApp({ dataDir, env: { SEED: 'none' } });
		const first = startImport(dataDir);
		try {
			await progressSeen(first);
			expect(first.out()).toContain('(running app)');
			app.proc.kill('SIGKILL');
			expect(await first.exit).toBe(1);
			expect(first.out()).toMatch(/import failed: .*(store|reach|connect|socket|closed)/i);
		} finally {
			await app.stop();
		}

		app = await startApp({ dataDir, env: { SEED: 'none' } });
		try {
			const second = startImport(dataDir);
			expect(await second.exit, second.out()).toBe(0);
			expect(second.out()).toMatch(/import: 7000 good rows, 0 bad rows; \d+ orders imported, [1-9]\d* already present/);
			await expectAllImported(await storeOf(dataDir));
			const healthz = await fetch(`${app.url}/healthz`);
			expect(healthz.status).toBe(200);
		} finally {
			await app.stop();
		}
	}, IMPORT_TIMEOUT_MS * 2);
});
