/**
 * Child process of npm run bench:load (scripts/bench/load.ts): autocannon runs at fixed rates, in a process of
 * their own so their latencies are not those of the tablets' or the sampler's event loop. Each run rotates
 * through its requests (path and, for the sync gateway, the crew member's session cookie of that path).
 * The parent sends one `run` message and gets one `results` message back.
 */
import autocannon, { type RequestSpec } from 'autocannon';

export interface CannonRun {
	name: string;
	rate: number;
	connections: number;
	/** Requests to rotate through: a path and its headers (the cookie of the crew whose database it reads). */
	requests: { path: string; headers?: Record<string, string> }[];
}

export type ToCannon = { type: 'run'; origin: string; seconds: number; runs: CannonRun[] };

export interface CannonResult {
	name: string;
	target_rate: number;
	seconds: number;
	/** Every answer's latency (ms), as autocannon measured it. */
	latencies: number[];
	statuses: Record<string, number>;
	errors: number;
	timeouts: number;
	non2xx: number;
	sent: number;
}

export type FromCannon = { type: 'ready' } | { type: 'results'; results: CannonResult[] } | { type: 'failed'; error: string };

const send = (msg: FromCannon) => process.send!(msg);

async function one(origin: string, seconds: number, run: CannonRun): Promise<CannonResult> {
	const latencies: number[] = [];
	const statuses: Record<string, number> = {};
	let i = 0;
	const requests: RequestSpec[] = [
		{
			setupRequest: (req) => {
				const r = run.requests[i++ % run.requests.length]!;
				return { ...req, path: r.path, headers: { ...req.headers, ...r.headers } };
			}
		}
	];
	const instance = autocannon({ url: origin, connections: run.connections, overallRate: run.rate, duration: seconds, timeout: 10, requests, title: run.name });
	instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
		latencies.push(ms);
		statuses[status] = (statuses[status] ?? 0) + 1;
	});
	const result = await instance;
	return {
		name: run.name,
		target_rate: run.rate,
		seconds: result.duration,
		latencies,
		statuses,
		errors: result.errors,
		timeouts: result.timeouts,
		non2xx: result.non2xx,
		sent: result.requests.sent
	};
}

process.on('message', (msg: ToCannon) => {
	Promise.all(msg.runs.map((r) => one(msg.origin, msg.seconds, r))).then(
		(results) => {
			send({ type: 'results', results });
		},
		(e: unknown) => send({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) })
	);
});

send({ type: 'ready' });
