import { describe, expect, it } from 'vitest';
import { apply, applyAll, type FieldAction } from '../../../src/lib/domain';
import { crewOrderSchema, parseLocalDocs, type CrewOrder } from '../../../src/lib/sync/local-db';
import {
	actionStatus,
	buildOrderViews,
	buildOutbox,
	contextFromCatalog,
	foldOrder,
	outboxCounts,
	recordedOutcome,
	type ContextFor
} from '../../../src/lib/sync/order-view';
import {
	at,
	close,
	context,
	CREW_A,
	CREW_B,
	CREW_C,
	DEPT_DPW,
	DEPT_SFMTA,
	enRoute,
	note,
	onSite,
	ORDER_ID,
	OTHER_ORDER_ID,
	photo,
	photoContext,
	position,
	rerouteToCrew,
	RESOLUTION_CODES,
	shuffled,
	uuid
} from '../domain/fixtures';
import { crewOrder } from './fixtures';

const ctx = context();
const rules: ContextFor = () => ctx;
const NONE = new Set<string>();

/** The server's reducer applying actions to its copy, as the projector would then write it to the crew db. */
function serverApplies(order: CrewOrder, actions: readonly FieldAction[], c = ctx): CrewOrder {
	return crewOrderSchema.parse(actions.reduce((o, a) => apply(o, a, c).order, order));
}

describe('order view: pending actions folded on top', () => {
	it('a close done offline shows as closed at once; the replicated order is untouched', () => {
		const order = crewOrder();
		const closing = close('repaired', { n: 1, time: at(40) }, { public_note: 'Filled' });
		const [view] = buildOrderViews([order], [closing], NONE, rules);
		expect(view!.order.status).toBe('closed');
		expect(view!.order.resolution?.code).toBe('repaired');
		expect(view!.replicated.status).toBe('assigned');
		expect(view!.pending).toEqual([{ action: closing, status: 'queued', predicted: 'applied', conflict: null }]);
		expect(view!.rulesKnown).toBe(true);
	});

	it('an applied action is no longer pending: the replicated order already shows it', () => {
		const closing = close('repaired', { n: 1, time: at(40) });
		const replicated = serverApplies(crewOrder(), [closing]);
		const [view] = buildOrderViews([replicated], [closing], new Set([closing.id]), rules);
		expect(view!.pending).toEqual([]);
		expect(view!.order).toBe(replicated);
		expect(view!.order.status).toBe('closed');
	});

	it('folds only the unapplied actions, in device-time order, whatever order they are stored in', () => {
		const go = enRoute({ n: 1, time: at(10) });
		const arrive = onSite({ n: 2, time: at(20) });
		const closing = close('repaired', { n: 3, time: at(30) });
		const replicated = serverApplies(crewOrder(), [go]);
		const [view] = buildOrderViews([replicated], [closing, arrive, go], new Set([go.id, arrive.id]), rules);
		expect(view!.pending.map((p) => [p.action.id, p.status])).toEqual([
			[arrive.id, 'sent'],
			[closing.id, 'queued']
		]);
		expect(view!.order.status).toBe('closed');
	});

	it('predicts a conflict the server will find and keeps the order as it was', () => {
		const closing = close('repaired', { n: 1 });
		const [view] = buildOrderViews([crewOrder()], [closing], NONE, () => photoContext());
		expect(view!.order.status).toBe('assigned');
		expect(view!.pending[0]!.predicted).toBe('conflict');
		expect(view!.pending[0]!.conflict?.reason).toBe('missing_after_photo');
	});

	it('groups actions by order and leaves other orders alone', () => {
		const a = crewOrder();
		const b = crewOrder({ _id: `order:${OTHER_ORDER_ID}`, service_request_id: OTHER_ORDER_ID });
		const closeA = close('repaired', { n: 1 });
		const noteB = note('Cones placed', 'internal', { n: 2, orderId: OTHER_ORDER_ID });
		const views = buildOrderViews([a, b], [noteB, closeA], NONE, rules);
		expect(views.map((v) => [v.id, v.order.status, v.pending.length])).toEqual([
			[ORDER_ID, 'closed', 1],
			[OTHER_ORDER_ID, 'assigned', 1]
		]);
	});

	it('a position action is never folded into an order', () => {
		const [view] = buildOrderViews([crewOrder()], [position(37.79, -122.39, { n: 1 })], NONE, rules);
		expect(view!.pending).toEqual([]);
		expect(view!.order).toBe(view!.replicated);
	});

	it('folds exactly as the shared applyAll does (same sort, same reducer)', () => {
		const actions = [
			enRoute({ n: 5, time: at(10) }),
			onSite({ n: 4, time: at(10) }), // same device time: the id decides
			note('Cones', 'public', { n: 3, time: at(12) }),
			photo('after', { n: 2, time: at(14) }),
			close('repaired', { n: 1, time: at(30) }),
			rerouteToCrew(CREW_B, 'not ours', { n: 6, time: at(35) })
		];
		for (const seed of [1, 2, 3, 4, 5]) {
			const order = crewOrder();
			const input = shuffled(actions, seed);
			expect(foldOrder(order, input, NONE, () => photoContext()).order).toEqual(applyAll(order, input, photoContext()));
		}
	});

	it('without the service type rules it trusts the crew: the offline close still shows closed', () => {
		const closing = close('temporary_fix', { n: 1 });
		const reroute = rerouteToCrew('crew-z', 'wrong yard', { n: 2, time: at(20) });
		const unknownType: ContextFor = () => null;
		const [closed] = buildOrderViews([crewOrder()], [closing], NONE, unknownType);
		expect(closed!.rulesKnown).toBe(false);
		expect(closed!.order.status).toBe('closed');
		const [rerouted] = buildOrderViews([crewOrder()], [reroute], NONE, unknownType);
		expect(rerouted!.order.crew).toBe('crew-z');
	});

	it('contextFromCatalog looks the rules up by the order\'s service code', () => {
		const contextFor = contextFromCatalog({
			serviceTypes: new Map([['pothole', { resolution_codes: [...RESOLUTION_CODES], requires_after_photo: true }]]),
			crewIds: [CREW_A, CREW_B, CREW_C],
			departmentIds: [DEPT_DPW, DEPT_SFMTA]
		});
		expect(contextFor(crewOrder())?.serviceType.requires_after_photo).toBe(true);
		expect(contextFor(crewOrder({ service_code: 'graffiti' }))).toBeNull();
	});
});

describe('outbox', () => {
	const closing = close('repaired', { n: 1, time: at(40) });
	const noted = note('Cones placed', 'internal', { n: 2, time: at(30) });
	const stranger = note('Not yours', 'internal', { n: 3, time: at(35), crew: CREW_B, author: 'bob' });
	const pos = position(37.79, -122.39, { n: 4, time: at(45) });

	it('queued → sent → applied, newest first', () => {
		const order = crewOrder();
		const actions = [noted, closing];
		expect(buildOutbox([order], actions, NONE).map((e) => [e.id, e.status])).toEqual([
			[closing.id, 'queued'],
			[noted.id, 'queued']
		]);
		expect(buildOutbox([order], actions, new Set([closing.id, noted.id])).map((e) => e.status)).toEqual(['sent', 'sent']);
		const applied = serverApplies(order, [noted, closing]);
		expect(buildOutbox([applied], actions, new Set([closing.id, noted.id])).map((e) => e.status)).toEqual(['applied', 'applied']);
	});

	it('conflict and noop come from the order history', () => {
		const again = close('repaired', { n: 5, time: at(50) });
		const order = serverApplies(crewOrder(), [closing, stranger, again]);
		expect(recordedOutcome(order, stranger.id)).toBe('conflict');
		const statuses = Object.fromEntries(buildOutbox([order], [closing, stranger, again], NONE).map((e) => [e.id, e.status]));
		expect(statuses).toEqual({ [closing.id]: 'applied', [stranger.id]: 'conflict', [again.id]: 'noop' });
		// Applied by the server but not pending any more, whatever the on-server set says.
		expect(actionStatus(stranger, order, NONE)).toBe('conflict');
	});

	it('a position action is sent once pushed and never pending after that', () => {
		const queued = buildOutbox([crewOrder()], [pos], NONE);
		expect(queued).toMatchObject([{ id: pos.id, action: 'position', orderId: null, status: 'queued', orderMissing: false }]);
		expect(outboxCounts(queued)).toEqual({ queued: 1, pending: 1 });
		const sent = buildOutbox([crewOrder()], [pos], new Set([pos.id]));
		expect(sent[0]!.status).toBe('sent');
		expect(outboxCounts(sent)).toEqual({ queued: 0, pending: 0 });
	});

	it('an action whose order left this tablet stays sent, flagged, and is not counted as pending', () => {
		const entries = buildOutbox([], [closing], new Set([closing.id]));
		expect(entries[0]).toMatchObject({ status: 'sent', orderMissing: true });
		expect(outboxCounts(entries)).toEqual({ queued: 0, pending: 0 });
		expect(outboxCounts(buildOutbox([], [closing], NONE))).toEqual({ queued: 1, pending: 1 });
	});

	it('counts: queued are not on the server, pending are not applied', () => {
		const order = serverApplies(crewOrder(), [noted]);
		const entries = buildOutbox([order], [noted, closing, pos], new Set([noted.id, closing.id]));
		expect(outboxCounts(entries)).toEqual({ queued: 1, pending: 2 });
	});

	it('lists photo attachments by name', () => {
		const pic = photo('before', { n: 7, id: uuid(7) });
		expect(buildOutbox([crewOrder()], [pic], NONE)[0]!.photos).toEqual(['before.jpg']);
	});
});

describe('parseLocalDocs: replicated documents are parsed, bad ones set aside', () => {
	it('sorts orders, actions and invalid documents', () => {
		const good = crewOrder();
		const act = close('repaired', { n: 1 });
		const parsed = parseLocalDocs([good, act, { _id: 'order:999', type: 'work_order' }, { _id: 'action:x', type: 'field_action' }, { _id: 'other' }]);
		expect(parsed.orders).toEqual([good]);
		expect(parsed.actions).toEqual([act]);
		expect(parsed.invalid.map((i) => i.id)).toEqual(['order:999', 'action:x']);
		expect(parsed.invalid[0]!.reason).toMatch(/service_request_id/);
	});

	it('keeps source_rev and drops a reporter that should never have been projected', () => {
		const parsed = parseLocalDocs([{ ...crewOrder({}, '7-xyz'), reporter: { email: 'private@example.org' } }]);
		expect(parsed.orders[0]!.source_rev).toBe('7-xyz');
		expect(parsed.orders[0]).not.toHaveProperty('reporter');
	});
});
