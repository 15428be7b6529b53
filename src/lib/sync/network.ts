/**
 * The browser's idea of connectivity: `navigator.onLine` and the window's online/offline events. "Online" only
 * means a network interface is up (the server may still be unreachable: replication finds out and retries);
 * "offline" is reliable, and lets the engine stop hammering a dead network and restart at once when it returns.
 */
export interface NetworkMonitor {
	readonly online: boolean;
	/** Calls `listener` on every change; returns the unsubscribe function. */
	subscribe(listener: (online: boolean) => void): () => void;
}

/** Where nothing says otherwise (Node, tests): always online, never changes. */
export const ALWAYS_ONLINE: NetworkMonitor = { online: true, subscribe: () => () => {} };

interface EventTargetLike {
	addEventListener(type: string, listener: () => void): void;
	removeEventListener(type: string, listener: () => void): void;
}

/** The window's events and navigator.onLine when there are any (a browser), else ALWAYS_ONLINE. */
export function browserNetwork(
	target: Partial<EventTargetLike> = globalThis,
	nav: { onLine?: unknown } | undefined = globalThis.navigator
): NetworkMonitor {
	const { addEventListener, removeEventListener } = target;
	if (typeof addEventListener !== 'function' || typeof removeEventListener !== 'function' || typeof nav?.onLine !== 'boolean') {
		return ALWAYS_ONLINE;
	}
	const events = target as EventTargetLike;
	return {
		get online() {
			return nav.onLine !== false;
		},
		subscribe(listener) {
			const on = () => listener(true);
			const off = () => listener(false);
			events.addEventListener('online', on);
			events.addEventListener('offline', off);
			return () => {
				events.removeEventListener('online', on);
				events.removeEventListener('offline', off);
			};
		}
	};
}
