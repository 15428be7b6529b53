/**
 * npm run import -- <file.csv> against a running app's embedded store: bad rows reported with line numbers,
 * good rows imported and visible through the API, a second run imports nothing twice.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';

const HEADER =
	',CaseID,Opened,Closed,Updated,Status,Status.Notes,Responsible.Agency,Category,Request.Type,Request.Details,Address,Supervisor.District,Neighborhood,Point,Source,Media.URL,Lat,Long';
const CSV = [
	HEADER,
	'1,9900001,2016-01-02 10:00:00,NA,01/02/2016 10:00:00 AM,Open,NA,DPW Ops Queue,Street and Sidewalk Cleaning,Bulky Items,Couch on sidewalk,"1 MARKET ST, SAN FRANCISCO, CA, 94105",6,South of Market,"(37.79, -122.39)",Web Self Service,NA,37.79,-122.39',
	'2,9900002,2016-01-02 10:00:00,NA,NA,Open,NA,DPW Ops Queue,Street and Sidewalk Cleaning,Bulky Items,x,"2 MARKET ST",6,SoMa,NA,Web,NA,not-a-number,-122.39',
	'3,9900003,2016-07-03 11:00:00,2016-07-03 09:00:00,NA,Closed,Case Resolved - done,DPW Ops Queue,Street and Sidewalk Cleaning,Bulky Items,"a ""quoted""\nmulti-line detail","3 MARKET ST",6,SoMa,NA,Web,NA,37.791,-122.391',
	'4,,2016-01-03 11:00:00,NA,NA,Open,NA,DPW Ops Queue,Street and Sidewalk Cleaning,Bulky Items,y,"4 MARKET ST",6,SoMa,NA,Web,NA,37.791,-122.391',
	'5,9900005,2016-01-04 08:30:00,NA,NA,Open,NA,Mystery Agency Queue,Brand New Category,Thing,Stuff,"5 MARKET ST",6,SoMa,NA,Web,NA,37.7905,-122.3905',
	''
].join('\r\n');

function runImport(file: string, dataDir: string): Promise<{ code: number | null; out: string }> {
	return new Promise((resolve) => {
		const p = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'scripts/import.ts'), file], {
			cwd: ROOT,
			env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let out = '';
		p.stdout.on('data', (d: Buffer) => (out += d.toString()));
		p.stderr.on('data', (d: Buffer) => (out += d.toString()));
		p.on('exit', (code) => resolve({ code, out }));
	});
}

let app: RunningApp;
let dir: string;
let file: string;

beforeAll(async () => {
	app = await startApp();
	dir = await mkdtemp(path.join(os.tmpdir(), 'fw-import-'));
	file = path.join(dir, 'city-export.csv');
	await writeFile(file, CSV);
});
afterAll(async () => {
	await app?.stop();
	await rm(dir, { recursive: true, force: true });
});

describe('npm run import', () => {
	it('reports bad rows by line, imports the good ones into the running app, and is idempotent', async () => {
		const first = await runImport(file, app.dataDir);
		expect(first.code).toBe(2); // some rows were bad; the good ones went in
		expect(first.out).toContain('(running app)');
		expect(first.out).toMatch(/line 3: CaseID 9900002: Lat "not-a-number" is not a number/);
		expect(first.out).toMatch(/line 6: .*CaseID/); // the row with no CaseID (line 6: row 3 spans two lines)
		expect(first.out).toMatch(/3 good rows, 2 bad rows; 3 orders imported, 0 already present/);
		expect(first.out).toMatch(/new service types: brand_new_category/);

		const sup = new Session(app.url);
		await sup.login('supervisor', DEMO_PASSWORD);
		const open = (await (await sup.request('GET', '/api/orders')).json()) as {
			orders: { service_request_id: string; service_code: string; department: string; requested_datetime: string }[];
		};
		const imported = open.orders.filter((o) => o.service_request_id.startsWith('99000'));
		expect(imported.map((o) => o.service_request_id).sort()).toEqual(['9900001', '9900005']); // 9900003 is closed
		const brandNew = imported.find((o) => o.service_request_id === '9900005')!;
		expect(brandNew.service_code).toBe('brand_new_category');
		expect(brandNew.department).toBe('other');
		expect(brandNew.requested_datetime).toBe('2016-01-04T08:30:00-08:00');

		const second = await runImport(file, app.dataDir);
		expect(second.code).toBe(2);
		expect(second.out).toMatch(/3 good rows, 2 bad rows; 0 orders imported, 3 already present/);
	});

	it('a missing file is a clear error', async () => {
		const res = await runImport(path.join(dir, 'nope.csv'), app.dataDir);
		expect(res.code).toBe(1);
		expect(res.out).toMatch(/cannot read .*nope\.csv/);
	});

	it('a file without the SF 311 columns is refused with one clear error', async () => {
		const wrong = path.join(dir, 'wrong.csv');
		await writeFile(wrong, 'id,name\n1,foo\n');
		const res = await runImport(wrong, app.dataDir);
		expect(res.code).toBe(2);
		expect(res.out).toMatch(/line 1: .*CaseID/);
		expect(res.out).toMatch(/0 good rows, 1 bad rows; 0 orders imported/);
	});
});
