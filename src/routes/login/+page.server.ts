import { fail, redirect } from '@sveltejs/kit';
import { homeFor } from '$lib/server/access';
import { login } from '$lib/server/auth/auth-service';
import { setSessionCookie } from '$lib/server/auth/session';
import { getContext } from '$lib/server/context';
import { toPublicError } from '$lib/server/errors';
import { safeNext } from '$lib/safe-next';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (locals.user) redirect(303, homeFor(locals.user));
};

export const actions: Actions = {
	/**
	 * The form also works before the page's script has loaded (slow link, script blocked): it posts here, so the
	 * password never ends up in a URL, and the answer is the same as the JSON sign-in API's.
	 */
	default: async ({ request, cookies, getClientAddress, url }) => {
		const form = await request.formData();
		// A field left out (or a file) is an empty field here: the reason then says what is missing.
		const text = (name: string) => {
			const v = form.get(name);
			return typeof v === 'string' ? v : '';
		};
		const username = text('username');
		let result;
		try {
			result = await login(getContext(), { username, password: text('password') }, getClientAddress());
		} catch (e) {
			const pub = toPublicError(e);
			return fail(pub.status, { error: pub.body.reason, username });
		}
		setSessionCookie(cookies, result.token, result.maxAgeSeconds, url.protocol === 'https:');
		redirect(303, safeNext(url.searchParams.get('next'), homeFor(result.response.user)));
	}
};
