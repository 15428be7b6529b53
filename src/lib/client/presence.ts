/** The crew tablet's presence ping (issue 06): tells the dispatch board the tablet is in touch. */
import type { PresencePing } from '../domain';
import { apiRequest } from './api';

export async function sendPresence(ping: PresencePing, fetcher: typeof fetch = fetch): Promise<void> {
	await apiRequest('/api/crew/presence', { json: ping }, fetcher);
}
