/**
 * npm run import -- <file.csv>
 * Imports a city 311 export in the SF 311 columns into the store (COUCHDB_URL, the running app's embedded
 * store, or the embedded store in DATA_DIR started for the run). Prints bad rows with line numbers and the
 * counts. Exit code: 0 all rows imported, 2 some rows were bad (the good ones were imported), 1 failure.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { ConfigError, parseConfig } from '../src/lib/server/config';
import { importSf311 } from '../src/lib/server/seed/import';
import { connectStore } from '../src/lib/server/store/connect';
import { applySchema } from '../src/lib/server/store/schema';

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
		const report = await importSf311(conn.client, createReadStream(file), (e) => console.warn(`  line ${e.line}: ${e.reason}`));
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
