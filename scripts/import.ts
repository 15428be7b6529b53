/**
 * npm run import -- <file.csv>
 * Imports a city 311 export in the SF 311 columns into the store (COUCHDB_URL, the running app's embedded
 * store, or the embedded store in DATA_DIR started for the run). Prints bad rows with line numbers and the
 * counts, with a progress line every 5,000 rows. Exit code: 0 all rows imported, 2 some rows were bad (the good
 * ones were imported), 1 failure. Killed midway (even with SIGKILL), run it again: it resumes — orders already
 * written are left alone and the rest are written (tests/integration/crash.test.ts).
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { ConfigError, parseConfig } from '../src/lib/server/config';
import { importSf311 } from '../src/lib/server/seed/import';
import { connectStore } from '../src/lib/server/store/connect';
import { applySchema } from '../src/lib/server/store/schema';

const PROGRESS_EVERY_ROWS = 5000; // a progress line per this many rows: a city's export has millions

async function main(): Promise<number> {
	const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
	if (!file) {
		console.error('usage: npm run import -- <file.csv>');
		return 1;
	}
	try {
		await access(file);
	} catch {
		console.error(`import: cannot read ${file}`);
		return 1;
	}
	const config = parseConfig(process.env);
	const conn = await connectStore(config);
	try {
		console.log(`import: ${file} -> store at ${conn.client.displayUrl} (${conn.how})`);
		await applySchema(conn.client);
		const started = Date.now();
		let shown = 0;
		const report = await importSf311(
			conn.client,
			createReadStream(file),
			(e) => console.warn(`  line ${e.line}: ${e.reason}`),
			(p) => {
				if (p.rows - shown < PROGRESS_EVERY_ROWS) return;
				shown = p.rows;
				console.log(`import: ${p.rows.toLocaleString('en-US')} rows read, ${p.inserted.toLocaleString('en-US')} orders written, ${p.alreadyPresent.toLocaleString('en-US')} already there…`);
			}
		);
		console.log(
			`import: ${report.rows} good rows, ${report.badRows.length} bad rows; ` +
				`${report.inserted} orders imported, ${report.alreadyPresent} already present` +
				(report.newServiceTypes.length ? `; new service types: ${report.newServiceTypes.join(', ')}` : '') +
				(report.newDepartments.length ? `; new departments: ${report.newDepartments.join(', ')}` : '') +
				`; ${Date.now() - started} ms`
		);
		for (const f of report.failed) console.error(`  could not write ${f.id}: ${f.reason}`);
		if (report.failed.length > 0) return 1;
		return report.badRows.length > 0 ? 2 : 0;
	} finally {
		await conn.close();
	}
}

main().then(
	(code) => process.exit(code),
	(e: unknown) => {
		console.error(e instanceof ConfigError ? e.message : `import failed: ${e instanceof Error ? e.message : String(e)}`);
		process.exit(1);
	}
);
