/**
 * Who is signed in on this device. Online, /api/auth/me answers (and the answer is kept in localStorage);
 * offline — a tablet in airplane mode — the kept answer lets the crew screens start from the service worker's
 * shell. The copy is only for showing and starting: the server checks the session cookie on every request,
 * so a stale copy can never read or write anything the session does not allow.
 */
import { z } from 'zod';
import { crewSummarySchema, sessionUserSchema } from '../domain';

export const meResponseSchema = z.object({
	user: sessionUserSchema,
	sync_path: z.string().nullable(),
	crew: crewSummarySchema.nullable()
});
export type Me = z.infer<typeof meResponseSchema>;

/** `offline`: read from this device's copy because the server could not be reached. */
export type Session = Me & { offline: boolean };

export const SESSION_STORAGE_KEY = 'fw:session';

type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function readKept(storage: KeyValue | null): Me | null {
	const raw = storage?.getItem(SESSION_STORAGE_KEY);
	if (!raw) return null;
	try {
		const parsed = meResponseSchema.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : null;
	} catch {
		return null; // a damaged copy is the same as none: the user signs in again when online
	}
}

function keep(storage: KeyValue | null, me: Me): void {
	try {
		storage?.setItem(SESSION_STORAGE_KEY, JSON.stringify(me));
	} catch (e) {
		// Storage full or blocked: online use goes on; only an offline start would need the copy.
		console.warn('[session] could not keep the sign-in for offline use:', e);
	}
}

export function forgetSession(storage: KeyValue | null): void {
	storage?.removeItem(SESSION_STORAGE_KEY);
}

/**
 * The current session: the server's answer when it gives one (401: nobody, and the kept copy is dropped);
 * the kept copy when the server cannot be reached (no network, or the server is down: 5xx).
 */
export async function loadSession(fetcher: typeof fetch, storage: KeyValue | null): Promise<Session | null> {
	let res: Response;
	try {
		res = await fetcher('/api/auth/me', { headers: { accept: 'application/json' } });
	} catch {
		const kept = readKept(storage);
		return kept ? { ...kept, offline: true } : null;
	}
	if (res.status === 401) {
		forgetSession(storage);
		return null;
	}
	if (!res.ok) {
		const kept = readKept(storage);
		return kept ? { ...kept, offline: true } : null;
	}
	const me = meResponseSchema.parse(await res.json());
	keep(storage, me);
	return { ...me, offline: false };
}
