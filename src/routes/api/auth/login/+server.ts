import { json } from '@sveltejs/kit';
import { login } from '$lib/server/auth/auth-service';
import { setSessionCookie } from '$lib/server/auth/session';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ request, cookies, getClientAddress, url }) => {
	const body = await readJson(request);
	const { response, token, maxAgeSeconds } = await login(getContext(), body, getClientAddress());
	setSessionCookie(cookies, token, maxAgeSeconds, url.protocol === 'https:');
	return json(response);
});
