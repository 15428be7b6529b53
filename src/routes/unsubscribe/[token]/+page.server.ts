import { error, fail } from '@sveltejs/kit';
import { t } from '$lib/i18n/resident';
import { getContext } from '$lib/server/context';
import { readUnsubscribeToken, suppress } from '$lib/server/notify/unsubscribe';
import { residentLang } from '$lib/server/resident/lang';
import type { Actions, PageServerLoad } from './$types';

/**
 * /unsubscribe/<token>, the link in every resident e-mail (notify/notifier.ts), for browsers. GET asks first
 * (mail scanners follow links: a GET never unsubscribes); the button's POST suppresses the address. Mail
 * clients' RFC 8058 one-click POSTs (not asking for HTML) are answered by +server.ts beside this page.
 */
export const load: PageServerLoad = (event) => {
	const lang = residentLang(event);
	const email = readUnsubscribeToken(getContext().sessionSecret, event.params.token);
	if (!email) error(400, { message: t(lang, 'unsubscribe_invalid'), code: 'bad_request', lang });
	return { lang, email };
};

export const actions: Actions = {
	default: async (event) => {
		const ctx = getContext();
		const email = readUnsubscribeToken(ctx.sessionSecret, event.params.token);
		if (!email) return fail(400, { done: false as const });
		await suppress(ctx.store, email);
		return { done: true as const };
	}
};
