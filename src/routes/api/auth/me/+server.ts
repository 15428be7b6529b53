import { json } from '@sveltejs/kit';
import { syncPathFor } from '$lib/server/auth/auth-service';
import type { RequestHandler } from './$types';

/** The signed-in user (hooks.server.ts has already answered 401 without a session). */
export const GET: RequestHandler = async ({ locals }) => {
	const user = locals.user!;
	return json({ user, sync_path: syncPathFor(user) });
};
