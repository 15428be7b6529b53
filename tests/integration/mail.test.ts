/**
 * Resident e-mails (issue 07) through a real SMTP server on loopback (the smtp-server package) with the app
 * started with SMTP_URL: received, assigned, already reported, closed with the public note and the photo link,
 * the duplicate's close; the unsubscribe link stops further mail; a refused recipient is kept for retry.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crewDbName, type WorkOrder } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { ROOT, Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';

const PUBLIC_URL = 'http://fieldwork.test';
const PHOTO = path.join(ROOT, 'tests', 'fixtures', 'photos', 'camera-3000x2000-exif.jpg');

let smtp: SMTPServer;
let app: RunningApp;
let store: CouchClient;
let admin: Session;
let supervisor: Session;
let apiKey: string;
const received: (ParsedMail & { envelopeTo: string[] })[] = [];

beforeAll(async () => {
	smtp = new SMTPServer({
		disabledCommands: ['STARTTLS', 'AUTH'],
		authOptional: true,
		logger: false,
		onRcptTo(address, _session, callback) {
			if (address.address.startsWith('bounce')) return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
			callback();
		},
		onData(stream, session, callback) {
			simpleParser(stream)
				.then((mail) => {
					received.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
					callback();
				})
				.catch(callback);
		}
	});
	await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
	const port = (smtp.server.address() as AddressInfo).port;
	app = await startApp({ env: { SEED: 'demo', PUBLIC_URL, SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'SF 311 <no-reply@fieldwork.test>' } });
	store = await storeOf(app.dataDir);
	admin = new Session(app.url);
	supervisor = new Session(app.url);
	expect((await admin.login('admin', DEMO_PASSWORD)).status).toBe(200);
	expect((await supervisor.login('supervisor', DEMO_PASSWORD)).status).toBe(200);
	const key = await admin.request('POST', '/api/admin/api-keys', { name: 'mail tests' }, { origin: app.url });
	apiKey = ((await key.json()) as { key: string }).key;
}, 120_000);
afterAll(async () => {
	await app?.stop();
	await new Promise<void>((resolve) => smtp?.close(() => resolve()));
});

async function report(args: Record<string, string | number>): Promise<string> {
	const body = new URLSearchParams({ api_key: apiKey, service_code: 'street_and_sidewalk_cleaning', description: 'Bags of trash', ...args } as Record<string, string>);
	const res = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', body });
	const answer = (await res.json()) as { service_request_id: string }[];
	expect(res.status, JSON.stringify(answer)).toBe(201);
	return answer[0]!.service_request_id;
}

/** The one mail to `to` about request `id` whose subject matches, once it has arrived. */
function mailFor(to: string, id: string, subject: RegExp): Promise<ParsedMail> {
	return eventually(async () => received.find((m) => m.envelopeTo.includes(to) && m.subject?.includes(id) && subject.test(m.subject)), 10_000);
}
/** A raw header's value (mailparser turns List-* headers into objects). */
const header = (mail: ParsedMail, name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '') ?? null;
const order = (id: string) => store.db('orders').get<WorkOrder>(`order:${id}`);
const outbox = async () =>
	((await (await admin.request('GET', '/api/admin/outbox')).json()) as { messages: { to: string; order_id: string; step: string; state: string; attempts: number; last_error: string | null }[] }).messages;

describe('resident e-mails over SMTP', () => {
	let parent: string;
	let dup: string;
	let closingActionId: string;

	it('a report with an e-mail gets "received" with its status link and a working unsubscribe header', async () => {
		parent = await report({ lat: 37.7872, long: -122.4003, email: 'rita@example.org', first_name: 'Rita' });
		const mail = await mailFor('rita@example.org', parent, /received/i);
		expect(mail.from?.text).toContain('no-reply@fieldwork.test');
		expect(mail.text).toContain('Hello Rita');
		expect(mail.text).toContain(`${PUBLIC_URL}/requests/${parent}?lang=en`);
		expect(mail.text).toMatch(new RegExp(`${PUBLIC_URL}/unsubscribe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{32}`));
		expect(header(mail, 'list-unsubscribe')).toMatch(new RegExp(`${PUBLIC_URL}/unsubscribe/`));
		expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
	});

	it('a second report of the same problem is told it was already reported', async () => {
		dup = await report({ lat: 37.78725, long: -122.40031, email: 'bob@example.org', description: 'Trash bags again' });
		const mail = await mailFor('bob@example.org', dup, /already reported/i);
		expect(mail.text).toContain(`#${parent}`);
		// One mail for the linked report: not also "received".
		expect(received.filter((m) => m.envelopeTo.includes('bob@example.org'))).toHaveLength(1);
	});

	it('assigning a crew mails "assigned"', async () => {
		const res = await supervisor.request('POST', `/api/orders/${parent}/actions`, { action: 'assign', payload: { crew: 'dpw-cleaning-1' } });
		expect(res.status).toBe(200);
		const mail = await mailFor('rita@example.org', parent, /crew|assigned/i);
		expect(mail.text).toContain(parent);
	});

	it('closing mails the public note and the photo link, and closes and mails the duplicate', async () => {
		closingActionId = randomUUID();
		await store.db(crewDbName('dpw-cleaning-1')).put({
			_id: `action:${closingActionId}`,
			type: 'field_action',
			id: closingActionId,
			action: 'close',
			order_id: parent,
			crew: 'dpw-cleaning-1',
			author: 'ana',
			device_time: new Date().toISOString(),
			base_rev: null,
			payload: { resolution_code: 'completed', public_note: 'Bags picked up by the crew.', after_photo: 'after.jpg' },
			_attachments: { 'after.jpg': { content_type: 'image/jpeg', data: (await readFile(PHOTO)).toString('base64') } }
		});
		const closed = await mailFor('rita@example.org', parent, /closed/i);
		expect(closed.text).toContain('Bags picked up by the crew.');
		const photoUrl = `${PUBLIC_URL}/media/closing/${closingActionId}/after.jpg`;
		expect(closed.text).toContain(photoUrl);
		const photo = await fetch(app.url + new URL(photoUrl).pathname);
		expect(photo.status).toBe(200);
		expect(photo.headers.get('content-type')).toBe('image/jpeg');

		const dupMail = await mailFor('bob@example.org', dup, /closed/i);
		expect(dupMail.text).toContain(`#${parent}`);
		expect((await order(dup)).status).toBe('closed');
		// Each step once, even though followers and the sweep all look at these orders.
		const rita = received.filter((m) => m.envelopeTo.includes('rita@example.org'));
		expect(rita.map((m) => m.subject)).toHaveLength(new Set(rita.map((m) => m.subject)).size);
		expect(rita).toHaveLength(3);
	});

	it('the unsubscribe link (one-click POST as mail clients send it) stops further mail to that address', async () => {
		const mail = received.find((m) => m.envelopeTo.includes('bob@example.org'))!;
		const link = /<([^>]+)>/.exec(header(mail, 'list-unsubscribe') ?? '')![1]!;
		const res = await fetch(app.url + new URL(link).pathname, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'List-Unsubscribe=One-Click'
		});
		expect(res.status).toBe(200);
		const forged = await fetch(`${app.url}/unsubscribe/${Buffer.from('rita@example.org').toString('base64url')}.${'A'.repeat(32)}`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'List-Unsubscribe=One-Click'
		});
		expect(forged.status).toBe(400);

		const later = await report({ lat: 37.7799, long: -122.4137, email: 'BOB@example.org', description: 'Mattress' });
		const kept = await eventually(async () => (await outbox()).find((m) => m.order_id === later), 10_000);
		expect(kept.state).toBe('suppressed');
		// Rita (forged link above) still gets hers.
		const again = await report({ lat: 37.7801, long: -122.4157, email: 'rita@example.org', description: 'Broken glass' });
		await mailFor('rita@example.org', again, /received/i);
		expect(received.some((m) => m.subject?.includes(later))).toBe(false);
	});

	it('a recipient the SMTP server refuses is kept for retry with the reason', async () => {
		const id = await report({ lat: 37.7911, long: -122.3991, email: 'bounce@example.org' });
		const mail = await eventually(async () => (await outbox()).find((m) => m.order_id === id && m.attempts > 0), 10_000);
		expect(mail).toMatchObject({ state: 'pending', attempts: 1 });
		expect(mail.last_error).toMatch(/550|mailbox unavailable/);
	});
});
