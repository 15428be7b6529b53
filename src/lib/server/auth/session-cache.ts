/**
 * A short-lived cache of who a session cookie or device token belongs to. A tablet syncing makes dozens of
 * requests a minute; without it every one reads the user from the store. Entries live SESSION_CACHE_TTL_MS,
 * so a deactivated user, a changed role or a revoked device token takes effect within that time.
 * Loads are single-flight: the requests a tablet fires together when its entry has expired share one read
 * (docs/load.md: without it, 1.6–2.2 user reads per tablet per TTL under load).
 */
import type { SessionUser } from '../../domain';

export const SESSION_CACHE_TTL_MS = 10 * 1000; // 10 seconds
const MAX_ENTRIES = 10_000; // bounded: beyond this the oldest entries go first

export class SessionCache {
	readonly #entries = new Map<string, { user: SessionUser | null; expires: number }>();
	readonly #loading = new Map<string, Promise<SessionUser | null>>();

	constructor(private readonly ttlMs = SESSION_CACHE_TTL_MS) {}

	async get(key: string, load: () => Promise<SessionUser | null>, now = Date.now()): Promise<SessionUser | null> {
		const hit = this.#entries.get(key);
		if (hit && hit.expires > now) return hit.user;
		const pending = this.#loading.get(key);
		if (pending) return pending;
		const loading = load();
		this.#loading.set(key, loading);
		try {
			const user = await loading;
			// Deleted while the read was in flight (sign-out): its callers get it, the cache does not keep it.
			if (this.#loading.get(key) === loading) this.#store(key, user, now);
			return user;
		} finally {
			if (this.#loading.get(key) === loading) this.#loading.delete(key);
		}
	}

	#store(key: string, user: SessionUser | null, now: number): void {
		this.#entries.delete(key);
		this.#entries.set(key, { user, expires: now + this.ttlMs });
		if (this.#entries.size > MAX_ENTRIES) {
			for (const k of this.#entries.keys()) {
				this.#entries.delete(k);
				if (this.#entries.size <= MAX_ENTRIES * 0.9) break;
			}
		}
	}

	/** Forget a key at once (sign-out, token revocation on this server). */
	delete(key: string): void {
		this.#entries.delete(key);
		this.#loading.delete(key);
	}
}
