/**
 * Starts the BUILT app (scripts/start.js --no-build, as `npm start` runs it) on a free port with its own temporary
 * DATA_DIR, so tests talk to the real server and the real embedded store over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningApp {
	url: string;
	port: number;
	dataDir: string;
	proc: ChildProcess;
	logs(): string;
	stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

export interface StartOptions {
	env?: Record<string, string>;
	/** Wait until /healthz answers this status (default 200). null: only until the port answers at all. */
	waitForStatus?: number | null;
	timeoutMs?: number;
	dataDir?: string;
	/** Listen on this port instead of a free one (a restart after a crash keeps its address). */
	port?: number;
}

export async function startApp(opts: StartOptions = {}): Promise<RunningApp> {
	const port = opts.port ?? (await freePort());
	const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'fw-test-')));
	let output = '';
	const proc = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js'), '--no-build'], {
		cwd: ROOT,
		env: {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '',
			PORT: String(port),
			HOST: '127.0.0.1',
			DATA_DIR: dataDir,
			STORE_PORT: '0',
			...opts.env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
	proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
	const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
	const url = `http://127.0.0.1:${port}`;
	const app: RunningApp = {
		url,
		port,
		dataDir,
		proc,
		logs: () => output,
		stop: async () => {
			if (proc.exitCode === null) proc.kill('SIGTERM');
			const code = await exited;
			if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
			return code;
		}
	};
	const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
	const want = opts.waitForStatus === undefined ? 200 : opts.waitForStatus;
	for (;;) {
		if (proc.exitCode !== null) throw new Error(`the app exited with ${proc.exitCode}:\n${output}`);
		try {
			const res = await fetch(`${url}/healthz`);
			if (want === null || res.status === want) return app;
		} catch {
			// Not listening yet: keep polling until the deadline.
		}
		if (Date.now() > deadline) {
			await app.stop();
			throw new Error(`the app did not become healthy within ${opts.timeoutMs ?? 90_000} ms:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** Runs the app until it exits by itself (for start-up failures); resolves with exit code and output. */
export async function runUntilExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
	const port = await freePort();
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fw-test-'));
	const proc = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js'), '--no-build'], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, STORE_PORT: '0', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
	proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
	const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
	const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
	clearTimeout(timer);
	await rm(dataDir, { recursive: true, force: true });
	return { code, output };
}

/** A cookie-keeping client for one user session. */
export class Session {
	cookie = '';
	constructor(readonly baseUrl: string) {}

	async request(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
		const res = await fetch(this.baseUrl + pathname, {
			method,
			redirect: 'manual',
			headers: {
				...(body !== undefined ? { 'content-type': 'application/json' } : {}),
				...(this.cookie ? { cookie: this.cookie } : {}),
				...headers
			},
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
		});
		const set = res.headers.get('set-cookie');
		if (set) this.cookie = set.split(';')[0]!;
		return res;
	}

	login(username: string, password: string) {
		return this.request('POST', '/api/auth/login', { username, password });
	}
}
