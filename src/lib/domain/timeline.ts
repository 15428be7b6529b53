/**
 * What a resident may see of an order's life (issue 07): the public steps, derived from the order's history.
 * One derivation serves the status page, Open311 servicerequestupdates and the e-mails, so they never
 * disagree. No crew names, no internal notes, no conflicts — only what happened and what the city said.
 */
import { STATUS_AFTER_ACTION, type WorkflowStatus } from './status-machine';
import type { HistoryEntry, PhotoRef, WorkOrder } from './work-order';

export const PUBLIC_STEPS = [
	'received',
	'linked_duplicate',
	'assigned',
	'en_route',
	'on_site',
	'closed',
	'duplicate',
	'reopened',
	'note'
] as const;
export type PublicStep = (typeof PUBLIC_STEPS)[number];

/** Each step in plain English: Open311 update descriptions, and the English of the resident pages and e-mails. */
export const PUBLIC_STEP_TEXT: Record<PublicStep, string> = {
	received: 'Request received',
	linked_duplicate: 'Linked to an earlier report of the same problem',
	assigned: 'A crew has been scheduled',
	en_route: 'A crew is on the way',
	on_site: 'A crew is working on it',
	closed: 'Closed',
	duplicate: 'Closed as already reported',
	reopened: 'Reopened',
	note: 'Update from the city'
};

/** Steps residents are e-mailed about (en route / on site come minutes before the close: not worth a mail). */
export const NOTIFIED_STEPS: readonly PublicStep[] = ['received', 'linked_duplicate', 'assigned', 'closed', 'duplicate', 'reopened', 'note'];

/** History entries the intake writes (not reducer actions). */
export const INTAKE_ACTION = 'intake';
export const LINK_DUPLICATE_ACTION = 'link_duplicate';

export interface TimelineEntry {
	/** Stable id: the action id that made it (or "received:<order>" / "closed:<order>" for imported ones). */
	id: string;
	at: string;
	step: PublicStep;
	/** The order's status once this step happened. */
	status: WorkflowStatus;
	/** What the city said with it (a public note, the closing note). */
	note: string | null;
	/** The request this one duplicates (linked_duplicate, duplicate). */
	ref: string | null;
	/** The public photo that came with it (the closing "after" photo). */
	photo: Pick<PhotoRef, 'action_id' | 'attachment'> | null;
}

type TimelineOrder = Pick<
	WorkOrder,
	'service_request_id' | 'requested_datetime' | 'status' | 'status_notes' | 'closed_datetime' | 'duplicate_of' | 'history' | 'public_notes' | 'photos'
>;


/** The status after an entry: recorded since issue 07; inferred from the action for older entries. */
const statusAfter = (e: HistoryEntry, before: WorkflowStatus): WorkflowStatus => e.status ?? STATUS_AFTER_ACTION[e.action] ?? before;

export function publicTimeline(order: TimelineOrder): TimelineEntry[] {
	const noteOf = (actionId: string) => order.public_notes.find((n) => n.action_id === actionId)?.text ?? null;
	const photoOf = (actionId: string) => {
		const p = order.photos.find((ph) => ph.action_id === actionId && ph.public);
		return p ? { action_id: p.action_id, attachment: p.attachment } : null;
	};
	const entry = (e: Pick<TimelineEntry, 'id' | 'at' | 'step' | 'status'> & Partial<TimelineEntry>): TimelineEntry => ({
		note: null,
		ref: null,
		photo: null,
		...e
	});

	const out: TimelineEntry[] = [];
	const intake = order.history.find((e) => e.action === INTAKE_ACTION);
	out.push(entry({ id: intake?.action_id ?? `received:${order.service_request_id}`, at: order.requested_datetime, step: 'received', status: 'new' }));

	let status: WorkflowStatus = 'new';
	for (const e of order.history) {
		if (e.outcome !== 'applied') continue;
		if (e.action === LINK_DUPLICATE_ACTION) {
			out.push(entry({ id: e.action_id, at: e.at, step: 'linked_duplicate', status, ref: order.duplicate_of }));
			continue;
		}
		const next = statusAfter(e, status);
		const before = status;
		status = next;
		if (e.action === 'note') {
			if (e.visibility === 'public') out.push(entry({ id: e.action_id, at: e.at, step: 'note', status: next, note: noteOf(e.action_id) }));
			continue;
		}
		if (next === before) continue;
		if (e.action === 'duplicate') {
			out.push(entry({ id: e.action_id, at: e.at, step: 'duplicate', status: next, note: noteOf(e.action_id), ref: /#(\S+)$/.exec(e.summary)?.[1] ?? order.duplicate_of }));
		} else if (next === 'closed') {
			out.push(entry({ id: e.action_id, at: e.at, step: 'closed', status: next, note: noteOf(e.action_id), photo: photoOf(e.action_id) }));
		} else if (before === 'closed') {
			out.push(entry({ id: e.action_id, at: e.at, step: 'reopened', status: next }));
		} else if (next === 'assigned' || next === 'en_route' || next === 'on_site') {
			out.push(entry({ id: e.action_id, at: e.at, step: next, status: next }));
		}
		// assigned -> new (back to a department's queue) is internal shuffling: the resident's request is still open.
	}

	// Imported orders closed elsewhere have no close action: their closure is still a public step.
	if (order.status === 'closed' && order.closed_datetime && !out.some((e) => e.step === 'closed' || e.step === 'duplicate')) {
		out.push(entry({ id: `closed:${order.service_request_id}`, at: order.closed_datetime, step: 'closed', status: 'closed', note: order.status_notes }));
	}
	return out;
}
