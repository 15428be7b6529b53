import { json } from '@sveltejs/kit';
import { recordPresence } from '$lib/server/board';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** A crew tablet's presence ping: {last_synced_at, queued_actions}. */
export const POST: RequestHandler = api(async ({ request, locals }) => {
	const presence = await recordPresence(getContext().store, locals.user!, await readJson(request));
	return json({ ok: true, seen_at: presence.seen_at });
});
