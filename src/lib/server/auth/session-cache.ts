/**
 * A short-lived cache of who a session cookie or device token belongs to. A tablet syncing makes dozens of
 * requests a minute; without it every one reads the user from the store. Entries live SESSION_CACHE_TTL_MS,
 * so a deactivated user, a changed role or a revoked device token takes effect within that time.
 */
import type { SessionUser } from '../../domain';

export const SESSION_CACHE_TTL_MS = 10 * 1000; // 10 seconds
const MAX_ENTRIES = 10_000; // bounded: beyond this the oldest entries go first

export class SessionCache {
	readonly #entries = new Map<string, { user: SessionUser | null; expires: number }>();

	constructor(private readonly ttlMs = SESSION_CACHE_TTL_MS) {}

	async get(key: string, load: () => Promise<SessionUser | null>, now = Date.now()): Promise<SessionUser | null> {
		const hit = this.#entries.get(key);
		if (hit && hit.expires > now) return hit.user;
		const user = await load();
		this.#entries.delete(key);
		this.#entries.set(key, { user, expires: now + this.ttlMs });
		if (this.#entries.size > MAX_ENTRIES) {
			for (const k of this.#entries.keys()) {
				this.#entries.delete(k);
				if (this.#entries.size <= MAX_ENTRIES * 0.9) break;
			}
		}
		return user;
	}

	/** Forget a key at once (sign-out, token revocation on this server). */
	delete(key: string): void {
		this.#entries.delete(key);
	}
}
