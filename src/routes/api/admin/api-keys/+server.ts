import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import { createApiKey, listApiKeys } from '$lib/server/open311/api-keys';
import type { RequestHandler } from './$types';

/** Admins: the Open311 API keys (never the keys themselves: only their public ids). */
export const GET: RequestHandler = api(async () => json({ keys: await listApiKeys(getContext().store) }));

/** Admins: issues a key ({name, contact}); the key is in this answer only. */
export const POST: RequestHandler = api(async ({ request, locals }) => {
	const { key, record } = await createApiKey(getContext().store, locals.user!, await readJson(request));
	return json({ key, record }, { status: 201 });
});
