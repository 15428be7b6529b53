/**
 * A fault-injecting TCP proxy on loopback, in front of one or more app servers: what a tablet's mobile
 * network does to HTTP. It works below HTTP on purpose — PouchDB, node-fetch and the app's HTTP server see
 * real broken connections, not polite error answers:
 *  - drop: a new connection is accepted and closed at once (nothing reaches the server);
 *  - reset: after a random number of response bytes the client gets a TCP RST — the server may well have
 *    done the work (a write, a login) and the client never hears of it;
 *  - truncate: after a random number of response bytes the client gets a FIN — an answer cut mid-way
 *    (a JSON body, an attachment, a _changes feed);
 *  - latency: every forwarded chunk waits a random time (order kept);
 *  - offline: every open connection is reset and new ones are refused, until online again.
 * With several upstreams each connection goes to a random one and falls over to the next when it refuses
 * (a load balancer without sticky sessions), so a replication's requests land on either app server.
 */
import net from 'node:net';
import type { Rng } from './rng';

export interface FaultPlan {
	/** Share of new connections closed at once, before anything is forwarded. */
	drop: number;
	/** Share of connections reset (RST) after a random number of response bytes. */
	reset: number;
	/** Share of connections whose response is cut (FIN) after a random number of bytes. */
	truncate: number;
	/** Mean response bytes forwarded before a reset or truncation fires (exponentially distributed). */
	meanBytesBeforeFault: number;
	/** Added delay per forwarded chunk, uniformly in [min, max] milliseconds. */
	latencyMs: readonly [number, number];
}

export const NO_FAULTS: FaultPlan = { drop: 0, reset: 0, truncate: 0, meanBytesBeforeFault: 1, latencyMs: [0, 0] };

export interface ProxyStats {
	connections: number;
	dropped: number;
	reset: number;
	truncated: number;
	/** Connections refused because the tablet was offline, plus open ones cut when it went offline. */
	refusedOffline: number;
	/** Connections no upstream accepted (every app server down). */
	upstreamDown: number;
}

export const emptyProxyStats = (): ProxyStats => ({ connections: 0, dropped: 0, reset: 0, truncated: 0, refusedOffline: 0, upstreamDown: 0 });

export function addStats(a: ProxyStats, b: ProxyStats): ProxyStats {
	return {
		connections: a.connections + b.connections,
		dropped: a.dropped + b.dropped,
		reset: a.reset + b.reset,
		truncated: a.truncated + b.truncated,
		refusedOffline: a.refusedOffline + b.refusedOffline,
		upstreamDown: a.upstreamDown + b.upstreamDown
	};
}

const LOOPBACK = '127.0.0.1';

interface Pair {
	client: net.Socket;
	upstream: net.Socket | null;
}

export interface FaultProxyOptions {
	/** The app servers' ports, read at every connection (a restarted server keeps its port). */
	upstreams: () => readonly number[];
	rng: Rng;
	faults: FaultPlan;
}

export class FaultProxy {
	readonly stats: ProxyStats = emptyProxyStats();
	private readonly server: net.Server;
	private readonly pairs = new Set<Pair>();
	private offline = false;
	private faults: FaultPlan;
	private listening = 0;

	constructor(private readonly opts: FaultProxyOptions) {
		this.faults = opts.faults;
		// pauseOnConnect: nothing the client sends is read before an upstream is connected to take it.
		this.server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => this.accept(client));
	}

	get port(): number {
		return this.listening;
	}

	async listen(): Promise<number> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(0, LOOPBACK, () => resolve());
		});
		this.listening = (this.server.address() as net.AddressInfo).port;
		return this.listening;
	}

	setFaults(plan: FaultPlan): void {
		this.faults = plan;
	}

	/** Offline: cut every open connection (RST) and refuse new ones. Online: accept again. */
	setOffline(offline: boolean): void {
		this.offline = offline;
		if (!offline) return;
		for (const pair of this.pairs) {
			this.stats.refusedOffline++;
			this.cut(pair);
		}
	}

	async close(): Promise<void> {
		for (const pair of this.pairs) this.cut(pair);
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private cut(pair: Pair): void {
		if (!pair.client.destroyed) pair.client.resetAndDestroy();
		pair.upstream?.destroy();
		this.pairs.delete(pair);
	}

	private accept(client: net.Socket): void {
		this.stats.connections++;
		const pair: Pair = { client, upstream: null };
		this.pairs.add(pair);
		client.on('error', () => this.cut(pair));
		client.on('close', () => {
			if (!pair.upstream || pair.upstream.destroyed) this.pairs.delete(pair);
		});
		if (this.offline) {
			this.stats.refusedOffline++;
			this.cut(pair);
			return;
		}
		const { rng } = this.opts;
		const plan = this.faults;
		if (rng.chance(plan.drop)) {
			this.stats.dropped++;
			client.destroy();
			this.pairs.delete(pair);
			return;
		}
		const r = rng.next();
		const fault = r < plan.reset ? 'reset' : r < plan.reset + plan.truncate ? 'truncate' : null;
		const faultAfter = fault ? Math.floor(rng.exponential(plan.meanBytesBeforeFault)) : Number.POSITIVE_INFINITY;
		const [minMs, maxMs] = plan.latencyMs;
		const delay = () => (maxMs > 0 ? rng.between(minMs, maxMs) : 0);
		const ports = [...this.opts.upstreams()];
		// A random first choice (no sticky sessions), then the others in turn.
		const start = ports.length > 1 ? rng.int(0, ports.length - 1) : 0;
		const order = ports.map((_, i) => ports[(start + i) % ports.length]!);
		this.connectUpstream(order)
			.then((upstream) => {
				if (client.destroyed) {
					upstream.destroy();
					return;
				}
				pair.upstream = upstream;
				upstream.on('error', () => this.cut(pair));
				upstream.on('close', (hadError) => {
					if (hadError) this.cut(pair);
					else this.pairs.delete(pair);
				});
				this.forward(client, upstream, delay, null);
				this.forward(upstream, client, delay, fault ? { after: faultAfter, fire: (head) => this.fire(pair, fault, head) } : null);
				client.resume();
			})
			.catch(() => {
				this.stats.upstreamDown++;
				this.cut(pair);
			});
	}

	/** The response reached its fault point: send what came before it, then reset or truncate. */
	private fire(pair: Pair, fault: 'reset' | 'truncate', head: Uint8Array): void {
		const { client } = pair;
		pair.upstream?.destroy();
		this.pairs.delete(pair);
		if (client.destroyed) return;
		if (fault === 'reset') {
			this.stats.reset++;
			// Bytes written just before a reset may or may not arrive: that is what a reset is.
			client.write(head);
			client.resetAndDestroy();
		} else {
			this.stats.truncated++;
			client.end(head);
		}
	}

	private connectUpstream(ports: readonly number[]): Promise<net.Socket> {
		return new Promise((resolve, reject) => {
			const attempt = (i: number) => {
				if (i >= ports.length) return reject(new Error('no upstream accepted the connection'));
				const socket = net.connect({ host: LOOPBACK, port: ports[i]!, allowHalfOpen: true });
				socket.once('connect', () => {
					socket.removeAllListeners('error');
					resolve(socket);
				});
				socket.once('error', () => {
					socket.destroy();
					attempt(i + 1);
				});
			};
			attempt(0);
		});
	}

	/**
	 * Copies `from` to `to` chunk by chunk, each after its delay (one chunk at a time: order is kept and a
	 * slow side holds the other back). With `cut`, stops after `cut.after` bytes and hands over the rest.
	 */
	private forward(from: net.Socket, to: net.Socket, delay: () => number, cut: { after: number; fire(head: Uint8Array): void } | null): void {
		let forwarded = 0;
		let busy = false; // a chunk is waiting out its delay or being written
		let ended = false; // the source half-closed: pass it on after the chunk in hand
		const endTarget = () => {
			if (!to.destroyed && !to.writableEnded) to.end();
		};
		from.on('data', (chunk: Uint8Array) => {
			from.pause();
			busy = true;
			const write = () => {
				if (to.destroyed || to.writableEnded) return;
				if (cut && forwarded + chunk.length > cut.after) {
					const head = chunk.subarray(0, cut.after - forwarded);
					forwarded = cut.after;
					cut.fire(head);
					return;
				}
				forwarded += chunk.length;
				to.write(chunk, () => {
					busy = false;
					if (ended) endTarget();
					else if (!from.destroyed) from.resume();
				});
			};
			const ms = delay();
			if (ms > 0) setTimeout(write, ms);
			else write();
		});
		from.on('end', () => {
			ended = true;
			if (!busy) endTarget();
		});
	}
}
