import { json } from '@sveltejs/kit';
import { revokeDeviceToken } from '$lib/server/auth/device-tokens';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** Revokes one of the signed-in user's device tokens. */
export const DELETE: RequestHandler = api(async ({ locals, params }) =>
	json({ token: await revokeDeviceToken(getContext().store, locals.user!.id, params.tokenId!) })
);
