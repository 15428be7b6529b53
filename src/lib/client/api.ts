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
export async function failure(res: Response): Promise<ApiError> {
	let reason = `The server answered ${res.status}`;
	try {
		const body = (await res.json()) as { reason?: unknown };
		if (typeof body.reason === 'string') reason = body.reason;
	} catch {
		// Not JSON (a proxy's error page): keep the status line.
	}
	return new ApiError(res.status, reason);
}

export async function login(username: string, password: string, fetcher: typeof fetch = fetch): Promise<LoginResult> {
	let res: Response;
	try {
		res = await fetcher('/api/auth/login', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ username, password })
		});
	} catch {
		throw new ApiError(0, 'No connection to the server. Sign in once while online; after that the tablet works offline.');
	}
	if (!res.ok) throw await failure(res);
	return loginResponseSchemaClient.parse(await res.json());
}

export async function logout(fetcher: typeof fetch = fetch): Promise<void> {
	const res = await fetcher('/api/auth/logout', { method: 'POST' });
	if (!res.ok) throw await failure(res);
}
