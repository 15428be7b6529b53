/** The part of autocannon 9's programmatic API the benches use (the package ships no types). */
declare module 'autocannon' {
	import type { EventEmitter } from 'node:events';

	export interface RawRequest {
		method?: string;
		path?: string;
		headers?: Record<string, string>;
		body?: string | Buffer;
	}

	export interface RequestSpec extends RawRequest {
		setupRequest?(request: RawRequest, context: Record<string, unknown>): RawRequest;
	}

	export interface Options {
		url: string;
		connections?: number;
		duration?: number;
		amount?: number;
		overallRate?: number;
		connectionRate?: number;
		timeout?: number;
		method?: string;
		headers?: Record<string, string>;
		body?: string;
		requests?: RequestSpec[];
		title?: string;
	}

	export interface Histogram {
		average: number;
		p50: number;
		p90: number;
		p97_5: number;
		p99: number;
		max: number;
	}

	export interface Result {
		title?: string;
		duration: number;
		errors: number;
		timeouts: number;
		non2xx: number;
		latency: Histogram;
		requests: Histogram & { total: number; sent: number };
		statusCodeStats: Record<string, { count: number }>;
	}

	export interface Instance extends EventEmitter, PromiseLike<Result> {
		stop(): void;
	}

	export default function autocannon(opts: Options): Instance;
}
