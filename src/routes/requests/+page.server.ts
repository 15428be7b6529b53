import { redirect } from '@sveltejs/kit';
import { residentLang } from '$lib/server/resident/lang';
import type { PageServerLoad } from './$types';

const MAX_ID_CHARS = 64;

/** "Follow a request": the number typed (with or without its "#") opens that request's status page. */
export const load: PageServerLoad = (event) => {
	const lang = residentLang(event);
	const typed = (event.url.searchParams.get('id') ?? '').trim().replace(/^#/, '').trim().toUpperCase();
	if (typed !== '' && typed.length <= MAX_ID_CHARS) redirect(303, `/requests/${encodeURIComponent(typed)}`);
	return { lang };
};
