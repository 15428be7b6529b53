/**
 * The resident pages' language (issue 07): ?lang= (the switch), then the cookie the switch set, then the
 * browser's Accept-Language. Choosing with ?lang= remembers the choice for the other resident pages.
 */
import type { Cookies } from '@sveltejs/kit';
import { isLang, LANG_COOKIE, pickLang, type Lang } from '$lib/i18n/resident';

const LANG_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60; // a year

export function residentLang(event: { url: URL; cookies: Cookies; request: Request }): Lang {
	const asked = event.url.searchParams.get('lang');
	const lang = pickLang(asked, event.cookies.get(LANG_COOKIE), event.request.headers.get('accept-language'));
	if (isLang(asked)) {
		event.cookies.set(LANG_COOKIE, lang, {
			path: '/',
			sameSite: 'lax',
			httpOnly: false,
			secure: event.url.protocol === 'https:',
			maxAge: LANG_COOKIE_MAX_AGE_S
		});
	}
	return lang;
}
