/** The browser's data layer for the server API: components call these, never fetch directly. */
import { loginResponseSchemaClient, type LoginResult } from './auth-types';

export class ApiError extends Error {
	override name = 'ApiError';
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

/** The ApiError for a non-2xx answer, carrying the server's public `reason` so the UI can show it. */
async function failure(res: Response): Promise<ApiError> {
	let reason = `The server answered ${res.status}`;
	try {
		const body = (await res.json()) as { reason?: unknown };
		if (typeof body.reason === 'string') reason = body.reason;
	} catch {
		// Not JSON (a proxy's error page): keep the status line.
	}
	return new ApiError(res.status, reason);
}

export const NO_CONNECTION = 'No connection to the server; nothing was changed. Try again when the connection is back.';

export interface ApiRequest {
	method?: string;
	/** Sent as JSON. */
	json?: unknown;
	signal?: AbortSignal;
	/** What to tell the user when the server cannot be reached (status 0). */
	offline?: string;
}

/**
 * One call to our server: JSON in and out; no connection -> ApiError(0, offline message); a non-2xx answer ->
 * ApiError with the server's reason. An aborted call rethrows the abort (the caller moved on; not an error).
 */
export async function apiRequest(path: string, req: ApiRequest = {}, fetcher: typeof fetch = fetch): Promise<Response> {
	let res: Response;
	try {
		res = await fetcher(path, {
			method: req.method ?? (req.json === undefined ? 'GET' : 'POST'),
			...(req.json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.json) }),
			...(req.signal ? { signal: req.signal } : {})
		});
	} catch (e) {
		if (req.signal?.aborted) throw e;
		throw new ApiError(0, req.offline ?? NO_CONNECTION);
	}
	if (!res.ok) throw await failure(res);
	return res;
}

export async function login(username: string, password: string, fetcher: typeof fetch = fetch): Promise<LoginResult> {
	const res = await apiRequest(
		'/api/auth/login',
		{ json: { username, password }, offline: 'No connection to the server. Sign in once while online; after that the tablet works offline.' },
		fetcher
	);
	return loginResponseSchemaClient.parse(await res.json());
}

export async function logout(fetcher: typeof fetch = fetch): Promise<void> {
	const res = await fetcher('/api/auth/logout', { method: 'POST' });
	if (!res.ok) throw await failure(res);
}
