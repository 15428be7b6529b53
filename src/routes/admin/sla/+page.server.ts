import { fail } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { toPublicError } from '$lib/server/errors';
import { saveBusinessHours, setSlaTarget, slaSettings } from '$lib/server/analytics/sla-config';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => slaSettings(getContext().store);

const text = (form: FormData, name: string) => {
	const v = form.get(name);
	return typeof v === 'string' ? v.trim() : '';
};

/** A form number: empty or not a number stays NaN, so the schema refuses it with its reason. */
const number = (t: string) => (t === '' ? Number.NaN : Number(t));

export const actions: Actions = {
	hours: async ({ request, locals }) => {
		const form = await request.formData();
		const body = {
			days: form.getAll('days').map((d) => Number(d)),
			open: text(form, 'open'),
			close: text(form, 'close'),
			// One date per line (or separated by commas or spaces).
			holidays: text(form, 'holidays')
				.split(/[\s,;]+/)
				.filter((d) => d !== '')
		};
		try {
			await saveBusinessHours(getContext().store, locals.user!, body);
			return { saved: 'hours' as const };
		} catch (e) {
			const pub = toPublicError(e);
			return fail(pub.status, { error: pub.body.reason, where: 'hours' as const, holidaysText: text(form, 'holidays') });
		}
	},
	target: async ({ request, locals }) => {
		const form = await request.formData();
		const code = text(form, 'code');
		try {
			const type = await setSlaTarget(getContext().store, locals.user!, code, {
				sla_hours: number(text(form, 'sla_hours')),
				sla_business_hours: form.get('sla_business_hours') === 'on'
			});
			return { saved: 'target' as const, code: type.service_code };
		} catch (e) {
			const pub = toPublicError(e);
			return fail(pub.status, { error: pub.body.reason, where: 'target' as const, code });
		}
	}
};
