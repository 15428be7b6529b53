import { json } from '@sveltejs/kit';
import { login } from '$lib/server/auth/auth-service';
import { SESSION_COOKIE } from '$lib/server/auth/session';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ request, cookies, getClientAddress, url }) => {
	const body = await readJson(request);
	const { response, token, maxAgeSeconds } = await login(getContext(), body, getClientAddress());
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		maxAge: maxAgeSeconds
	});
	return json(response);
});
