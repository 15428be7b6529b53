import { fail } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { toPublicError } from '$lib/server/errors';
import { createApiKey, listApiKeys, revokeApiKey } from '$lib/server/open311/api-keys';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => ({ keys: await listApiKeys(getContext().store) });

const text = (form: FormData, name: string) => {
	const v = form.get(name);
	return typeof v === 'string' ? v : '';
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const form = await request.formData();
		const body = { name: text(form, 'name'), contact: text(form, 'contact') };
		try {
			const { key, record } = await createApiKey(getContext().store, locals.user!, body);
			return { created: { key, name: record.name, id: record.id } };
		} catch (e) {
			const pub = toPublicError(e);
			return fail(pub.status, { error: pub.body.reason, ...body });
		}
	},
	revoke: async ({ request, locals }) => {
		const form = await request.formData();
		try {
			const record = await revokeApiKey(getContext().store, locals.user!, text(form, 'id'));
			return { revoked: record.id };
		} catch (e) {
			const pub = toPublicError(e);
			return fail(pub.status, { error: pub.body.reason });
		}
	}
};
