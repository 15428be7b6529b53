/** Sending through SMTP_URL with nodemailer; without it there is no mailer and messages stay in the outbox. */
import nodemailer from 'nodemailer';
import type { Mail } from '../../domain';

export interface Mailer {
	send(mail: Mail): Promise<{ messageId: string }>;
	close(): void;
}

const SMTP_TIMEOUT_MS = 20_000;

export function createMailer(smtpUrl: string | undefined, from: string): Mailer | null {
	if (!smtpUrl) return null;
	const url = new URL(smtpUrl);
	const secure = url.protocol === 'smtps:';
	const transport = nodemailer.createTransport({
		host: url.hostname,
		port: url.port ? Number(url.port) : secure ? 465 : 587,
		secure,
		auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
		connectionTimeout: SMTP_TIMEOUT_MS,
		greetingTimeout: SMTP_TIMEOUT_MS,
		socketTimeout: SMTP_TIMEOUT_MS
	});
	return {
		async send(mail) {
			const info = await transport.sendMail({
				from,
				to: mail.to,
				subject: mail.subject,
				text: mail.text,
				// One-click unsubscribe from the mail client (RFC 8058) goes to the same link.
				headers: { 'List-Unsubscribe': `<${mail.unsubscribe_url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
			});
			return { messageId: String(info.messageId ?? '') };
		},
		close: () => transport.close()
	};
}
