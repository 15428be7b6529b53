/**
 * Server-sent events for the dispatch board (issue 06): `ready` once the feed's starting point is fixed
 * (the board then reloads its data and misses nothing), then `order`, `crews` and `conflicts` events.
 * A comment line every few seconds keeps proxies from closing an idle stream; `retry` makes the browser's
 * EventSource reconnect quickly after a drop.
 */
import type { BoardEvent, BoardFeed } from './board-feed';

export const SSE_KEEPALIVE_MS = 15_000; // 15 s: well inside common 60 s proxy idle timeouts
export const SSE_RETRY_MS = 1000; // the browser reconnects 1 s after a drop

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function boardEventStream(feed: BoardFeed, signal: AbortSignal): Response {
	const encoder = new TextEncoder();
	let cleanup = () => {};
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			let open = true;
			const send = (text: string) => {
				if (!open) return;
				try {
					controller.enqueue(encoder.encode(text));
				} catch {
					cleanup(); // the client went away between two events
				}
			};
			const { ready, unsubscribe } = feed.subscribe((event: BoardEvent) => send(frame(event.type, event)));
			const keepalive = setInterval(() => send(': keepalive\n\n'), SSE_KEEPALIVE_MS);
			cleanup = () => {
				if (!open) return;
				open = false;
				clearInterval(keepalive);
				unsubscribe();
				try {
					controller.close();
				} catch {
					// already closed by the client
				}
			};
			signal.addEventListener('abort', cleanup, { once: true });
			send(`retry: ${SSE_RETRY_MS}\n\n`);
			void ready.then(() => send(frame('ready', { at: new Date().toISOString() })));
		},
		cancel() {
			cleanup();
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-store',
			// nginx and similar: do not buffer the stream
			'x-accel-buffering': 'no'
		}
	});
}
