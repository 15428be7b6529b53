import { fail, redirect } from '@sveltejs/kit';
import { parseServiceRequestInput, toOpen311Service, toServiceDefinition } from '$lib/domain';
import { t } from '$lib/i18n/resident';
import { checkReport, NEW_REPORT_COOKIE, NEW_REPORT_COOKIE_MAX_AGE_S, readReportForm, reportArguments, type ReportValues } from '$lib/resident/report-form';
import { getContext } from '$lib/server/context';
import { listServiceTypes } from '$lib/server/directory';
import { AppError, StoreUnavailableError, toPublicError } from '$lib/server/errors';
import { createServiceRequest } from '$lib/server/open311/intake';
import { Open311Failure } from '$lib/server/open311/errors';
import { residentLang } from '$lib/server/resident/lang';
import type { Actions, PageServerLoad } from './$types';

/** Every service with its definition: the page shows the chosen one's questions without asking the server again. */
async function catalogue() {
	const types = (await listServiceTypes(getContext().store)).sort((a, b) => a.service_code.localeCompare(b.service_code));
	return types.map((type) => ({ ...toOpen311Service(type), attributes: toServiceDefinition(type).attributes }));
}

export const load: PageServerLoad = async (event) => {
	const lang = residentLang(event);
	const services = await catalogue();
	const asked = event.url.searchParams.get('service');
	return {
		lang,
		services,
		preselected: services.some((s) => s.service_code === asked) ? asked : null,
		maxUploadBytes: getContext().config.MAX_UPLOAD_BYTES
	};
};

export const actions: Actions = {
	default: async (event) => {
		const lang = residentLang(event);
		const ctx = getContext();
		let form: FormData;
		try {
			form = await event.request.formData();
		} catch {
			return fail(400, { errors: [t(lang, 'report_err_other', { reason: 'the form could not be read' })], values: null as ReportValues | null });
		}
		const { values, photo } = readReportForm(form.entries());
		const types = await listServiceTypes(ctx.store);
		const refuse = (errors: string[]) => fail(400, { errors, values });

		const problems = checkReport(values, photo, { lang, maxUploadBytes: ctx.config.MAX_UPLOAD_BYTES, serviceCodes: types.map((s) => s.service_code) });
		if (problems.length) return refuse(problems);

		const type = types.find((s) => s.service_code === values.service_code.trim());
		const datetimes = type?.attributes.filter((a) => a.datatype === 'datetime').map((a) => a.code) ?? [];
		const input = parseServiceRequestInput(reportArguments(values, { timeZone: ctx.config.CITY_TIME_ZONE, datetimes }));
		if (!input.ok) return refuse(input.errors.map((e) => t(lang, 'report_err_other', { reason: e.description })));

		let id: string;
		try {
			const bytes = photo ? new Uint8Array(await photo.arrayBuffer()) : null;
			const result = await createServiceRequest(ctx, input.value, { channel: 'web', via: 'web form', photo: bytes, lang });
			id = result.order.service_request_id;
		} catch (e) {
			if (e instanceof Open311Failure) return refuse(e.errors.map((err) => t(lang, 'report_err_other', { reason: err.description })));
			// A photo that is not an image, or too big (media.ts): the resident can fix it. The store being down is not theirs.
			if (e instanceof AppError && !(e instanceof StoreUnavailableError) && toPublicError(e).status < 500) {
				return refuse([t(lang, 'report_err_other', { reason: toPublicError(e).body.reason })]);
			}
			throw e;
		}
		if (input.value.email) {
			event.cookies.set(NEW_REPORT_COOKIE, id, { path: '/requests', sameSite: 'lax', httpOnly: true, secure: event.url.protocol === 'https:', maxAge: NEW_REPORT_COOKIE_MAX_AGE_S });
		}
		redirect(303, `/requests/${encodeURIComponent(id)}?new=1`);
	}
};
