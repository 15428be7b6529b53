/** The crew tablet's presence ping (issue 06): tells the dispatch board the tablet is in touch. */
import type { PresencePing } from '../domain';

export async function sendPresence(ping: PresencePing, fetcher: typeof fetch = fetch): Promise<boolean> {
	const res = await fetcher('/api/crew/presence', {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(ping)
	});
	return res.ok;
}
