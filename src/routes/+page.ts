import { redirect } from '@sveltejs/kit';
import { homePathFor } from '$lib/domain';
import type { PageLoad } from './$types';

/** "/" (the installed app's start URL) goes to the user's home, also offline. */
export const load: PageLoad = async ({ parent }) => {
	const { session } = await parent();
	redirect(307, session ? homePathFor(session.user.role) : '/login');
};
