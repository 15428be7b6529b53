/**
 * "New version available — reload" (issue 03). This registers the service worker; a new one installs in
 * the background and then WAITS (service-worker/index.ts never skips waiting by itself), so the running page
 * keeps its files. The user reloads when it suits them: unsynced actions live in IndexedDB, so nothing saved is
 * lost by the reload.
 */
import { dev } from '$app/environment';

export const SERVICE_WORKER_URL = '/service-worker.js';
export const UPDATE_CHECK_INTERVAL_MS = 30 * 60 * 1000; // 30 minutes: a tablet left open all day still learns of a release

export class UpdateWatcher {
	/** A new version is installed and waiting for a reload. */
	available = $state(false);
	#registration: ServiceWorkerRegistration | null = null;
	#timer: ReturnType<typeof setInterval> | null = null;
	#stopped = false;

	/** `enabled` is false in `vite dev`: no service worker there (DESIGN.md: offline is tried on the build). */
	async start(container: ServiceWorkerContainer | undefined = globalThis.navigator?.serviceWorker, enabled = !dev): Promise<void> {
		if (!container || !enabled) return;
		const registration = await container.register(SERVICE_WORKER_URL, { type: 'classic' });
		if (!registration || this.#stopped) return;
		this.#registration = registration;
		// A worker already waiting (installed during an earlier visit) counts; on the very first install there is
		// no controller yet and nothing to update.
		if (registration.waiting && container.controller) this.available = true;
		registration.addEventListener('updatefound', () => {
			const installing = registration.installing;
			installing?.addEventListener('statechange', () => {
				if (installing.state === 'installed' && container.controller) this.available = true;
			});
		});
		this.#timer = setInterval(() => this.check(), UPDATE_CHECK_INTERVAL_MS);
		globalThis.addEventListener?.('online', this.check);
	}

	/** Asks the server for a newer service worker (quietly: offline it simply fails). */
	check = (): void => {
		this.#registration?.update().catch(() => undefined);
	};

	/** Asks the service worker to keep the crew shell of this version for offline starts (after sign-in). */
	static async cacheCrewShell(container: ServiceWorkerContainer | undefined = globalThis.navigator?.serviceWorker): Promise<void> {
		if (!container || dev) return;
		const registration = await container.ready;
		registration.active?.postMessage({ type: 'CACHE_CREW_SHELL' });
	}

	/** Activates the waiting version and reloads once it controls the page. */
	apply(container: ServiceWorkerContainer | undefined = globalThis.navigator?.serviceWorker, reload = () => location.reload()): void {
		const waiting = this.#registration?.waiting;
		if (!container || !waiting) {
			reload();
			return;
		}
		container.addEventListener('controllerchange', reload, { once: true });
		waiting.postMessage({ type: 'SKIP_WAITING' });
	}

	stop(): void {
		this.#stopped = true;
		if (this.#timer) clearInterval(this.#timer);
		globalThis.removeEventListener?.('online', this.check);
	}
}
