/**
 * Start-up and the store, against the built app and its embedded store over real HTTP.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { startEmbeddedStore } from '../../src/lib/server/store/embedded';
import { runUntilExit, startApp, type RunningApp } from '../helpers/app-server';

/** Local addresses of listening TCP sockets on `port`, read from the kernel's table (/proc/net/tcp{,6}). */
async function listeningAddresses(port: number): Promise<string[]> {
	const out: string[] = [];
	for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
		const text = await readFile(file, 'utf8').catch(() => '');
		for (const line of text.split('\n').slice(1)) {
			const cols = line.trim().split(/\s+/);
			if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
			const [hexAddr, hexPort] = cols[1]!.split(':') as [string, string];
			if (parseInt(hexPort, 16) !== port) continue;
			if (hexAddr.length === 8) {
				out.push(hexAddr.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.'));
			} else {
				out.push(hexAddr === '0'.repeat(32) ? '::' : hexAddr === '00000000000000000000000001000000' ? '::1' : hexAddr);
			}
		}
	}
	return out;
}

describe('start-up with the embedded store', () => {
	let app: RunningApp;
	beforeAll(async () => {
		app = await startApp();
	});
	afterAll(async () => {
		await app?.stop();
	});

	it('/healthz answers 200 with the store kind and its reachability', async () => {
		const res = await fetch(`${app.url}/healthz`);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({
			status: 'ok',
			store: { kind: 'embedded', reachable: true, ready: true },
			open311_index: { ready: expect.any(Boolean) as boolean, requests: expect.any(Number) as number },
			reports_index: { ready: expect.any(Boolean) as boolean, requests: expect.any(Number) as number }
		});
	});

	it('the store listens on loopback only and wants its password', async () => {
		const info = JSON.parse(await readFile(path.join(app.dataDir, 'store.json'), 'utf8')) as { port: number };
		expect(await listeningAddresses(info.port)).toEqual(['127.0.0.1']);
		const res = await fetch(`http://127.0.0.1:${info.port}/_all_dbs`);
		expect(res.status).toBe(401);
	});

	it('serves the map area publicly: manifest, style, tiles and glyphs; a bad tile path is a 404', async () => {
		const manifest = (await (await fetch(`${app.url}/map/area.json`)).json()) as { version: string; files: { url: string; bytes: number }[] };
		expect(manifest.files.length).toBeGreaterThan(20);
		const style = await fetch(`${app.url}/map/style.json`);
		expect(style.status).toBe(200);
		expect(((await style.json()) as { sources: { openmaptiles: { tiles: string[] } } }).sources.openmaptiles.tiles).toEqual(['/map/tiles/{z}/{x}/{y}.pbf']);
		const tileFile = manifest.files.find((f) => f.url.startsWith('/map/tiles/14/'))!;
		const tile = await fetch(`${app.url}${tileFile.url}`);
		expect(tile.status).toBe(200);
		expect(tile.headers.get('content-type')).toBe('application/x-protobuf');
		expect((await tile.arrayBuffer()).byteLength).toBe(tileFile.bytes);
		const glyphs = await fetch(`${app.url}/map/fonts/KlokanTech%20Noto%20Sans%20Bold/0-255.pbf`);
		expect(glyphs.status).toBe(200);
		for (const bad of ['/map/tiles/14/0/0.pbf', '/map/tiles/a/b/c.pbf', '/map/fonts/..%2F..%2Fsource/0-255.pbf', '/map/fonts/KlokanTech%20Noto%20Sans%20Bold/..%2Farea.pbf']) {
			const res = await fetch(`${app.url}${bad}`);
			expect(res.status, bad).toBe(404);
		}
	});

	it('an unknown page or API path is a 404, signed in or not', async () => {
		expect((await fetch(`${app.url}/no-such-page`, { redirect: 'manual' })).status).toBe(404);
		const api = await fetch(`${app.url}/api/no-such-thing`);
		expect(api.status).toBe(404);
		expect(await api.json()).toMatchObject({ error: 'not_found' });
	});
});

describe('start-up failures', () => {
	it('a wrong setting stops start-up with a message that names it', async () => {
		const { code, output } = await runUntilExit({ STORE_PORT: 'not-a-port' });
		expect(code).toBe(1);
		expect(output).toMatch(/Invalid configuration/);
		expect(output).toMatch(/STORE_PORT/);
	});

	it('a map area directory without area.json stops start-up and says to set MAP_AREA_DIR', async () => {
		const { code, output } = await runUntilExit({ MAP_AREA_DIR: '/nonexistent/map-area' });
		expect(code).toBe(1);
		expect(output).toMatch(/MAP_AREA_DIR: no area.json in \/nonexistent\/map-area/);
	});

	it('a store port that is taken stops start-up and says to set STORE_PORT', async () => {
		const blocker = createServer().listen(0, '127.0.0.1');
		await new Promise((r) => blocker.once('listening', r));
		const port = (blocker.address() as { port: number }).port;
		try {
			const { code, output } = await runUntilExit({ STORE_PORT: String(port) });
			expect(code).toBe(1);
			expect(output).toMatch(new RegExp(`port ${port} is in use: set STORE_PORT`));
		} finally {
			blocker.close();
		}
	});

	it('an unreachable external store gives /healthz 503 and a clear log line, and the app keeps running', async () => {
		// A port nothing listens on: take one, then free it.
		const probe = createServer().listen(0, '127.0.0.1');
		await new Promise((r) => probe.once('listening', r));
		const deadPort = (probe.address() as { port: number }).port;
		await new Promise((r) => probe.close(r));

		const app = await startApp({ env: { COUCHDB_URL: `http://admin:Pa55-never-logged@127.0.0.1:${deadPort}` }, waitForStatus: 503 });
		try {
			const res = await fetch(`${app.url}/healthz`);
			expect(res.status).toBe(503);
			expect(await res.json()).toEqual({
				status: 'unavailable',
				store: { kind: 'couchdb', reachable: false, ready: false },
				open311_index: { ready: false, requests: 0 },
				reports_index: { ready: false, requests: 0 }
			});
			expect(app.logs()).toMatch(new RegExp(`store not reachable at http://127.0.0.1:${deadPort}`));
			expect(app.logs()).not.toContain('Pa55-never-logged'); // credentials never reach the log
			// A sign-in meanwhile gets a clear 503, not a crash.
			const login = await fetch(`${app.url}/api/auth/login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ username: 'supervisor', password: 'x' })
			});
			expect(login.status).toBe(503);
			expect(app.proc.exitCode).toBeNull();
		} finally {
			await app.stop();
		}
	});
});

describe('recovery', () => {
	it('when the external store comes back, set-up finishes and /healthz turns 200', async () => {
		const probe = createServer().listen(0, '127.0.0.1');
		await new Promise((r) => probe.once('listening', r));
		const port = (probe.address() as { port: number }).port;
		await new Promise((r) => probe.close(r));

		// A CouchDB-compatible store we start later on that port, with a password we know.
		const storeDir = await mkdtemp(path.join(os.tmpdir(), 'fw-ext-store-'));
		const password = 'known-password-for-this-test-0123456789';
		await mkdir(path.join(storeDir, 'secrets'), { recursive: true });
		await writeFile(path.join(storeDir, 'secrets', 'store-password'), password);

		const app = await startApp({
			env: { COUCHDB_URL: `http://fieldwork:${password}@127.0.0.1:${port}`, SEED: 'none' },
			waitForStatus: 503
		});
		const store = await startEmbeddedStore(storeDir, port);
		try {
			let status = 0;
			for (let i = 0; i < 80 && status !== 200; i++) {
				await new Promise((r) => setTimeout(r, 250));
				status = (await fetch(`${app.url}/healthz`)).status;
			}
			expect(status).toBe(200);
			expect(app.logs()).toMatch(/\[store\] ready in \d+ ms/);
		} finally {
			await app.stop();
			await store.close();
			await rm(storeDir, { recursive: true, force: true });
		}
	});
});
