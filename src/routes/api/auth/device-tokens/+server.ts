import { json } from '@sveltejs/kit';
import { createDeviceToken, listDeviceTokens } from '$lib/server/auth/device-tokens';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** The signed-in user's device tokens (never the tokens themselves). */
export const GET: RequestHandler = api(async ({ locals }) => json({ tokens: await listDeviceTokens(getContext().store, locals.user!.id) }));

/** Creates a token for this device; the answer is the only time the token is shown. */
export const POST: RequestHandler = api(async ({ locals, request }) => {
	const created = await createDeviceToken(getContext().store, locals.user!, await readJson(request));
	return json(created, { status: 201 });
});
