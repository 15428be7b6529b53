import { getContext } from '$lib/server/context';
import { listOutbox } from '$lib/server/notify/notifier';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => {
	const ctx = getContext();
	return { messages: await listOutbox(ctx.store), smtp: ctx.config.SMTP_URL !== undefined };
};
