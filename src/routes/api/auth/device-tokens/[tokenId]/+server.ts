import { json } from '@sveltejs/kit';
import { revokeDeviceToken } from '$lib/server/auth/device-tokens';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** Revokes one of the signed-in user's device tokens. */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const ctx = getContext();
	// Evict it from this server's session cache at once; other servers drop it within SESSION_CACHE_TTL_MS.
	const token = await revokeDeviceToken(ctx.store, locals.user!.id, params.tokenId!, new Date(), (key) => ctx.sessions.delete(key));
	return json({ token });
});
