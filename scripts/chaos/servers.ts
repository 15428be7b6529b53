/**
 * The app server processes of a chaos run: the built app (scripts/start.js --no-build, as `npm start` runs
 * it), each on a fixed port and data directory so that a SIGKILL and a restart bring back the same server
 * at the same address with the same data — a crash, not a new deployment. Each process's output is kept in
 * the run's log directory, one file per life.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startApp, type RunningApp } from '../../tests/helpers/app-server';

/** First start seeds 5,000 orders into an empty store; on a busy 2-core machine that can take a while. */
const FIRST_START_TIMEOUT_MS = 5 * 60 * 1000; // 5 minutes
const RESTART_TIMEOUT_MS = 3 * 60 * 1000; // 3 minutes

export interface ServerSpec {
	/** "A" (owns the embedded store) or "B" (reaches A's store through COUCHDB_URL). */
	name: string;
	port: number;
	dataDir: string;
	env: Record<string, string>;
	logDir: string;
}

export class ChaosServer {
	private app: RunningApp | null = null;
	private lives = 0;
	kills = 0;

	constructor(readonly spec: ServerSpec) {}

	get name(): string {
		return this.spec.name;
	}

	get port(): number {
		return this.spec.port;
	}

	get url(): string {
		return `http://127.0.0.1:${this.spec.port}`;
	}

	get up(): boolean {
		return this.app !== null;
	}

	/** Starts the process and waits until /healthz says 200 (store reachable, schema and seed in place). */
	async start(): Promise<void> {
		if (this.app) throw new Error(`server ${this.name} is already running`);
		this.lives++;
		this.app = await startApp({
			port: this.spec.port,
			dataDir: this.spec.dataDir,
			env: this.spec.env,
			timeoutMs: this.lives === 1 ? FIRST_START_TIMEOUT_MS : RESTART_TIMEOUT_MS
		});
	}

	/** SIGKILL: no shutdown hook runs, open requests and half-done writes are cut where they are. */
	async kill(): Promise<void> {
		const app = this.app;
		if (!app) return;
		this.app = null;
		this.kills++;
		const exited = new Promise<void>((resolve) => {
			if (app.proc.exitCode !== null || app.proc.signalCode !== null) resolve();
			else app.proc.once('exit', () => resolve());
		});
		app.proc.kill('SIGKILL');
		await exited;
		await this.saveLogs(app, 'killed');
	}

	/** SIGTERM and wait (the end of the run). */
	async stop(): Promise<void> {
		const app = this.app;
		if (!app) return;
		this.app = null;
		await app.stop();
		await this.saveLogs(app, 'stopped');
	}

	private async saveLogs(app: RunningApp, how: string): Promise<void> {
		await writeFile(path.join(this.spec.logDir, `server-${this.name}-${this.lives}-${how}.log`), app.logs());
	}
}
