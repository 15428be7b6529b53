/**
 * Resident e-mails (issue 07). Follows the orders database: for an order whose reporter gave an e-mail, each
 * public step worth a mail (domain/timeline.ts NOTIFIED_STEPS) becomes one mail document, id = request + step,
 * so replays, restarts and several app servers make it once. Whoever creates it sends it; a send that fails or
 * a server that dies mid-send leaves it `pending` with a time, and the retry sweep (any server) takes it up,
 * claiming it by revision first. Without SMTP_URL messages are `kept` in the outbox (/admin/outbox).
 */
import {
	MAIL_MAX_ATTEMPTS,
	mailDocId,
	mailSchema,
	NOTIFIED_STEPS,
	publicTimeline,
	workOrderSchema,
	type Mail,
	type TimelineEntry,
	type WorkOrder
} from '../../domain';
import { isConflict, type CouchClient } from '../store/couch-client';
import { MAIL_DB, ORDERS_DB } from '../store/schema';
import { follow } from '../sync/follow';
import type { Mailer } from './mailer';
import { renderMail } from './templates';
import { isSuppressed, unsubscribeToken } from './unsubscribe';

const SEND_LEASE_MS = 5 * 60 * 1000; // a send not finished in 5 minutes is retried by the sweep
const RETRY_BASE_MS = 30 * 1000; // 30 s, doubling per failed attempt
const RETRY_MAX_MS = 60 * 60 * 1000; // 1 hour
const SWEEP_INTERVAL_MS = 30 * 1000;
const SWEEP_BATCH = 100;

export interface NotifierDeps {
	store: CouchClient;
	mailer: Mailer | null;
	publicUrl: string;
	/** Signs unsubscribe links. */
	secret: string;
}

/** The steps of an order residents are mailed about (a linked report gets the "already reported" mail, not both). */
export function mailSteps(order: Pick<WorkOrder, 'service_request_id' | 'requested_datetime' | 'status' | 'status_notes' | 'closed_datetime' | 'duplicate_of' | 'history' | 'public_notes' | 'photos'>): TimelineEntry[] {
	const steps = publicTimeline(order).filter((s) => NOTIFIED_STEPS.includes(s.step));
	const linked = steps.some((s) => s.step === 'linked_duplicate');
	return steps.filter((s) => !(linked && s.step === 'received'));
}

const iso = (ms: number) => new Date(ms).toISOString();
const retryDelay = (attempts: number) => Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS);

async function save(store: CouchClient, mail: Mail): Promise<Mail | null> {
	try {
		const res = await store.db(MAIL_DB).put(mail);
		return { ...mail, _rev: res.rev };
	} catch (e) {
		if (isConflict(e)) return null; // someone else made or claimed it
		throw e;
	}
}

/** Sends a mail this process holds (created or claimed) and records the result. */
async function deliver(deps: NotifierDeps, mail: Mail, now = Date.now()): Promise<Mail | null> {
	if (!deps.mailer) return save(deps.store, { ...mail, state: 'kept', next_attempt_at: null });
	try {
		const { messageId } = await deps.mailer.send(mail);
		return save(deps.store, { ...mail, state: 'sent', sent_at: iso(Date.now()), message_id: messageId, next_attempt_at: null, last_error: null });
	} catch (e) {
		const attempts = mail.attempts + 1;
		const error = e instanceof Error ? e.message : String(e);
		console.error(`[mail] ${mail._id} to ${mail.to}: attempt ${attempts} failed: ${error}`);
		return save(deps.store, {
			...mail,
			attempts,
			last_error: error.slice(0, 500),
			state: attempts >= MAIL_MAX_ATTEMPTS ? 'failed' : 'pending',
			next_attempt_at: attempts >= MAIL_MAX_ATTEMPTS ? null : iso(now + retryDelay(attempts))
		});
	}
}

/** Makes (and sends) the mails an order's current state calls for. Returns how many it made. */
export async function notifyOrder(deps: NotifierDeps, order: WorkOrder, now = Date.now()): Promise<number> {
	const reporter = order.reporter;
	if (!reporter?.email || !reporter.notify) return 0;
	const steps = mailSteps(order);
	if (steps.length === 0) return 0;
	const ids = steps.map((s) => mailDocId(order.service_request_id, s.id));
	const existing = await deps.store.db(MAIL_DB).allDocs({ keys: ids });
	const made = new Set(existing.rows.filter((r) => 'value' in r && r.value && !r.value.deleted).map((r) => r.id));
	const todo = steps.filter((_, i) => !made.has(ids[i]!));
	if (todo.length === 0) return 0;
	const suppressed = await isSuppressed(deps.store, reporter.email);
	const unsubscribeUrl = `${deps.publicUrl}/unsubscribe/${unsubscribeToken(deps.secret, reporter.email)}`;
	let count = 0;
	for (const step of todo) {
		const text = renderMail(order, step, reporter.lang, { publicUrl: deps.publicUrl, unsubscribeUrl });
		const mail = mailSchema.parse({
			_id: mailDocId(order.service_request_id, step.id),
			type: 'mail',
			order_id: order.service_request_id,
			event_id: step.id,
			step: step.step,
			to: reporter.email,
			lang: reporter.lang,
			...text,
			unsubscribe_url: unsubscribeUrl,
			created_at: iso(now),
			state: suppressed ? 'suppressed' : 'pending',
			attempts: 0,
			next_attempt_at: suppressed ? null : iso(now + SEND_LEASE_MS),
			last_error: null,
			sent_at: null,
			message_id: null
		});
		const created = await save(deps.store, mail);
		if (!created) continue;
		count++;
		if (!suppressed) await deliver(deps, created, now);
	}
	return count;
}

/** Retries mails whose time has come (failed tries, or sends a dead server left behind). */
export async function sweepMail(deps: NotifierDeps, now = Date.now()): Promise<number> {
	let sent = 0;
	for (const state of ['pending', 'sending'] as const) {
		const res = await deps.store.db(MAIL_DB).find<unknown>({
			selector: { type: 'mail', state, created_at: { $gt: null } },
			use_index: ['idx-mail', 'by-state'],
			limit: SWEEP_BATCH
		});
		for (const doc of res.docs) {
			const parsed = mailSchema.safeParse(doc);
			if (!parsed.success) continue;
			const mail = parsed.data;
			if (mail.next_attempt_at && Date.parse(mail.next_attempt_at) > now) continue;
			// Claim it: only one server wins the revision.
			const claimed = await save(deps.store, { ...mail, state: 'sending', next_attempt_at: iso(now + SEND_LEASE_MS) });
			if (!claimed) continue;
			await deliver(deps, claimed, now);
			sent++;
		}
	}
	return sent;
}

/** Follows the orders database and sweeps retries until `signal` aborts. */
export function runNotifier(deps: NotifierDeps, signal: AbortSignal): Promise<void> {
	const timer = setInterval(() => {
		sweepMail(deps).catch((e: unknown) => console.error('[mail] retry sweep failed:', e));
	}, SWEEP_INTERVAL_MS);
	signal.addEventListener('abort', () => clearInterval(timer), { once: true });
	return follow<unknown>({
		db: deps.store.db(ORDERS_DB),
		checkpoint: 'notifier',
		signal,
		onError: (e) => console.error('[mail] batch failed, retrying:', e),
		handle: async (changes) => {
			for (const change of changes) {
				if (change.deleted || !change.id.startsWith('order:')) continue;
				const doc = change.doc as { reporter?: { email?: unknown } | null } | undefined;
				if (!doc?.reporter?.email) continue; // most orders have no reporter e-mail: skip before parsing
				const parsed = workOrderSchema.safeParse(change.doc);
				if (parsed.success) await notifyOrder(deps, parsed.data);
			}
		}
	});
}

export const OUTBOX_PAGE = 200; // newest messages shown in the outbox

/** The newest mails, newest first (the admins' outbox). */
export async function listOutbox(store: CouchClient, limit = OUTBOX_PAGE): Promise<Mail[]> {
	const res = await store.db(MAIL_DB).find<unknown>({
		selector: { type: 'mail', created_at: { $gt: null } },
		sort: [{ type: 'desc' }, { created_at: 'desc' }],
		use_index: ['idx-mail', 'by-created'],
		limit
	});
	return res.docs.flatMap((d) => {
		const parsed = mailSchema.safeParse(d);
		return parsed.success ? [parsed.data] : [];
	});
}
