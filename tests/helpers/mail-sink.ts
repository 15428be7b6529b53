/**
 * A mail sink for the end-to-end tests (and for trying the app locally): a real SMTP server on loopback
 * (smtp-server) that keeps every message it receives, and a small HTTP server listing them as JSON.
 *
 *   MAIL_SINK_SMTP_PORT=2525 MAIL_SINK_HTTP_PORT=2580 npx tsx tests/helpers/mail-sink.ts
 *   SMTP_URL=smtp://127.0.0.1:2525 npm start      # then: curl http://127.0.0.1:2580/messages
 */
import { createServer } from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
	to: string[];
	from: string;
	subject: string;
	text: string;
	received_at: string;
}

const smtpPort = Number(process.env.MAIL_SINK_SMTP_PORT ?? 2525);
const httpPort = Number(process.env.MAIL_SINK_HTTP_PORT ?? 2580);
const messages: SunkMail[] = [];

const smtp = new SMTPServer({
	disabledCommands: ['STARTTLS', 'AUTH'],
	authOptional: true,
	logger: false,
	onData(stream, session, callback) {
		simpleParser(stream)
			.then((mail) => {
				messages.push({
					to: session.envelope.rcptTo.map((r) => r.address),
					from: mail.from?.text ?? '',
					subject: mail.subject ?? '',
					text: mail.text ?? '',
					received_at: new Date().toISOString()
				});
				callback();
			})
			.catch(callback);
	}
});
smtp.listen(smtpPort, '127.0.0.1');

createServer((req, res) => {
	const body = req.url === '/messages' ? JSON.stringify(messages) : req.url === '/healthz' ? '{"ok":true}' : null;
	res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
	res.end(body ?? '{"error":"not found"}');
}).listen(httpPort, '127.0.0.1', () => console.log(`[mail-sink] SMTP on 127.0.0.1:${smtpPort}, messages at http://127.0.0.1:${httpPort}/messages`));
