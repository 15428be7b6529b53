import { error } from '@sveltejs/kit';
import { workOrderDocId, workOrderSchema } from '$lib/domain';
import { t } from '$lib/i18n/resident';
import { NEW_REPORT_COOKIE } from '$lib/resident/report-form';
import { statusView } from '$lib/resident/status-view';
import { getContext } from '$lib/server/context';
import { residentLang } from '$lib/server/resident/lang';
import { ORDERS_DB } from '$lib/server/store/schema';
import type { PageServerLoad } from './$types';

const MAX_ID_CHARS = 64;

/** A request's public status page: server-rendered (works without JS), only the public view of the order. */
export const load: PageServerLoad = async (event) => {
	const lang = residentLang(event);
	const id = event.params.id;
	const { store, config } = getContext();
	const raw = id.length <= MAX_ID_CHARS ? await store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(id)) : null;
	const parsed = raw ? workOrderSchema.safeParse(raw) : null;
	if (!parsed?.success) error(404, { message: t(lang, 'not_found', { id: id.slice(0, MAX_ID_CHARS) }), code: 'not_found', lang });

	const isNew = event.url.searchParams.get('new') === '1';
	// "We will e-mail you" only for the browser that just sent this report with an e-mail (see report-form.ts).
	const mailed = isNew && event.cookies.get(NEW_REPORT_COOKIE) === id;
	if (event.cookies.get(NEW_REPORT_COOKIE) !== undefined && isNew) event.cookies.delete(NEW_REPORT_COOKIE, { path: '/requests' });
	return { lang, request: statusView(parsed.data, lang, config.CITY_TIME_ZONE), isNew, mailed };
};
