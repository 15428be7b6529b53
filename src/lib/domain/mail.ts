import { z } from 'zod';
import { couchMeta, isoDateTime } from './common';
import { PUBLIC_STEPS } from './timeline';

/**
 * One e-mail to a resident about one public step of a request (issue 07). Its id is made of the request and
 * the step, so it is created once whatever replays or second servers do; its state says what became of it.
 *   pending    made, not sent yet (or a try failed; next_attempt_at says when to try again)
 *   sending    a server is sending it
 *   sent       the mail server took it
 *   kept       no mail server configured (SMTP_URL unset): kept in the outbox at /admin/outbox
 *   suppressed the address unsubscribed: not sent
 *   failed     gave up after MAIL_MAX_ATTEMPTS
 */
export const MAIL_STATES = ['pending', 'sending', 'sent', 'kept', 'suppressed', 'failed'] as const;
export const MAIL_MAX_ATTEMPTS = 8;

export const mailSchema = z.object({
	...couchMeta,
	type: z.literal('mail'),
	order_id: z.string(),
	event_id: z.string(),
	step: z.enum(PUBLIC_STEPS),
	to: z.email(),
	lang: z.enum(['en', 'es']),
	subject: z.string(),
	text: z.string(),
	unsubscribe_url: z.url(),
	created_at: isoDateTime,
	state: z.enum(MAIL_STATES),
	attempts: z.number().int().nonnegative(),
	next_attempt_at: isoDateTime.nullable(),
	last_error: z.string().nullable(),
	sent_at: isoDateTime.nullable(),
	message_id: z.string().nullable()
});
export type Mail = z.infer<typeof mailSchema>;

export const mailDocId = (orderId: string, eventId: string) => `mail:${orderId}:${eventId}`;
/** An unsubscribed address (by its SHA-256, so the list holds no addresses). */
export const suppressionDocId = (emailSha256: string) => `suppress:${emailSha256}`;
