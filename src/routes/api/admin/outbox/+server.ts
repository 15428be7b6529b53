import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { listOutbox } from '$lib/server/notify/notifier';
import type { RequestHandler } from './$types';

/** Admins: the newest resident e-mails and what became of each (sent, kept, suppressed, failed…). */
export const GET: RequestHandler = api(async () => json({ messages: await listOutbox(getContext().store) }));
