import { describe, expect, it } from 'vitest';
import {
	apply,
	applyAll,
	applyPosition,
	crewAt,
	historyEntrySchema,
	ReducerInputError,
	toCrewWorkOrder,
	toOpen311Status,
	workOrderSchema,
	type FieldAction,
	type WorkOrder
} from '../../../src/lib/domain';
import {
	ASSIGNED_AT,
	assign,
	at,
	AUTHOR_A,
	AUTHOR_B,
	close,
	context,
	CREW_A,
	CREW_B,
	CREW_C,
	crewWithPosition,
	deepFreeze,
	DEPT_DPW,
	DEPT_SFMTA,
	duplicate,
	enRoute,
	note,
	onSite,
	OTHER_ORDER_ID,
	photo,
	photoContext,
	position,
	rerouteToCrew,
	rerouteToDepartment,
	setDepartment,
	setPriority,
	setServiceType,
	shuffled,
	SUPERVISOR,
	unassign,
	unassignedOrder,
	uuid,
	workOrder
} from './fixtures';

const ctx = context();

/** Applies actions one by one (arrival order, like the server's reducer runner) and returns the final order. */
function run(order: WorkOrder, actions: readonly FieldAction[], c = ctx): WorkOrder {
	return actions.reduce((o, a) => apply(o, a, c).order, order);
}

/** The order's fields a business outcome may change, without the audit trail. */
function businessState(o: WorkOrder) {
	return {
		status: o.status,
		crew: o.crew,
		department: o.department,
		priority: o.priority,
		assignments: o.assignments,
		closed_datetime: o.closed_datetime,
		resolution: o.resolution,
		duplicate_of: o.duplicate_of,
		updated_datetime: o.updated_datetime,
		public_notes: o.public_notes
	};
}

function lastHistory(o: WorkOrder) {
	const entry = o.history.at(-1);
	if (!entry) throw new Error('order has no history');
	return entry;
}

describe('apply: idempotency', () => {
	it('applies an action once; a replay is a "duplicate" that returns the very same order', () => {
		const order = workOrder();
		const action = enRoute({ n: 1, time: at(10) });
		const first = apply(order, action, ctx);
		expect(first.outcome).toBe('applied');

		const replay = apply(first.order, action, ctx);
		expect(replay.outcome).toBe('duplicate');
		expect(replay.order).toBe(first.order);
		expect(replay.conflict).toBeUndefined();
		expect(replay.order.applied_action_ids.filter((id) => id === action.id)).toHaveLength(1);
		expect(replay.order.history).toHaveLength(1);
	});

	it('a replayed conflicting action does not raise a second conflict', () => {
		const stranger = note('I was here', 'internal', { n: 2, crew: CREW_B, author: AUTHOR_B });
		const first = apply(workOrder(), stranger, ctx);
		expect(first.outcome).toBe('conflict');
		const replay = apply(first.order, stranger, ctx);
		expect(replay.outcome).toBe('duplicate');
		expect(replay.conflict).toBeUndefined();
		expect(replay.order.history).toHaveLength(1);
	});

	it('a replay of a different document with the same id is still a duplicate (ids are the identity)', () => {
		const a = enRoute({ n: 3, time: at(10) });
		const b = onSite({ n: 3, time: at(20) });
		const after = apply(apply(workOrder(), a, ctx).order, b, ctx);
		expect(after.outcome).toBe('duplicate');
		expect(after.order.status).toBe('en_route');
	});
});

describe('apply: field workflow', () => {
	it('en_route then on_site move the status forward and bump updated_datetime to the device time', () => {
		const r1 = apply(workOrder(), enRoute({ n: 1, time: at(10) }), ctx);
		expect(r1.outcome).toBe('applied');
		expect(r1.order.status).toBe('en_route');
		expect(r1.order.updated_datetime).toBe(at(10));

		const r2 = apply(r1.order, onSite({ n: 2, time: at(25) }), ctx);
		expect(r2.outcome).toBe('applied');
		expect(r2.order.status).toBe('on_site');
		expect(r2.order.updated_datetime).toBe(at(25));
		expect(r2.order.crew).toBe(CREW_A);
		expect(toOpen311Status(r2.order.status)).toBe('open');
	});

	it('on_site straight from assigned is allowed', () => {
		expect(apply(workOrder(), onSite({ n: 1 }), ctx).order.status).toBe('on_site');
	});

	it('records a complete, schema-valid history entry', () => {
		const action = enRoute({ n: 1, time: at(10), author: AUTHOR_A });
		const { order } = apply(workOrder(), action, ctx);
		const entry = lastHistory(order);
		expect(historyEntrySchema.parse(entry)).toEqual({
			action_id: action.id,
			action: 'en_route',
			at: at(10),
			by: AUTHOR_A,
			crew: CREW_A,
			outcome: 'applied',
			summary: 'En route',
			visibility: 'public',
			status: 'en_route'
		});
		expect(order.applied_action_ids).toEqual([action.id]);
		// The reduced order is still a valid work order document.
		expect(workOrderSchema.safeParse(order).success).toBe(true);
	});

	it('never moves updated_datetime back in time for a late-arriving action', () => {
		const order = workOrder({ updated_datetime: at(60) });
		const { order: next } = apply(order, enRoute({ n: 1, time: at(10) }), ctx);
		expect(next.status).toBe('en_route');
		expect(next.updated_datetime).toBe(at(60));
	});

	it('a second en_route is a noop that stays in the history', () => {
		const o1 = apply(workOrder(), enRoute({ n: 1, time: at(10) }), ctx).order;
		const r = apply(o1, enRoute({ n: 2, time: at(12) }), ctx);
		expect(r.outcome).toBe('noop');
		expect(r.order.updated_datetime).toBe(at(10));
		expect(lastHistory(r.order).outcome).toBe('noop');
		expect(r.order.applied_action_ids).toHaveLength(2);
	});

	it('en_route after on_site is an invalid transition: conflict, status unchanged', () => {
		const o1 = apply(workOrder(), onSite({ n: 1, time: at(10) }), ctx).order;
		const r = apply(o1, enRoute({ n: 2, time: at(20) }), ctx);
		expect(r.outcome).toBe('conflict');
		expect(r.conflict?.reason).toBe('invalid_transition');
		expect(r.order.status).toBe('on_site');
		expect(lastHistory(r.order).outcome).toBe('conflict');
	});
});

describe('apply: close', () => {
	it('closes with a resolution code of the service type', () => {
		const order = apply(workOrder(), onSite({ n: 1, time: at(10) }), ctx).order;
		const action = close('repaired', { n: 2, time: at(40), author: AUTHOR_A }, { public_note: 'Filled with cold mix' });
		const r = apply(order, action, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.conflict).toBeUndefined();
		expect(r.order.status).toBe('closed');
		expect(toOpen311Status(r.order.status)).toBe('closed');
		expect(r.order.closed_datetime).toBe(at(40));
		expect(r.order.updated_datetime).toBe(at(40));
		expect(r.order.resolution).toEqual({ code: 'repaired', note: 'Filled with cold mix', at: at(40), by: AUTHOR_A });
		expect(r.order.status_notes).toBe('Filled with cold mix');
		expect(r.order.public_notes).toEqual([
			{ at: at(40), text: 'Filled with cold mix', status: 'closed', action_id: action.id }
		]);
		expect(lastHistory(r.order)).toMatchObject({ outcome: 'applied', visibility: 'public', summary: 'Closed: repaired' });
		expect(workOrderSchema.safeParse(r.order).success).toBe(true);
	});

	it('a close without a public note leaves notes alone and records a null resolution note', () => {
		const r = apply(workOrder({ status_notes: 'Scheduled' }), close('no_issue_found', { n: 1 }), ctx);
		expect(r.order.status).toBe('closed');
		expect(r.order.status_notes).toBe('Scheduled');
		expect(r.order.public_notes).toEqual([]);
		expect(r.order.resolution?.note).toBeNull();
	});

	it('refuses a resolution code the service type does not know: conflict, status unchanged, action in history', () => {
		const order = workOrder();
		const action = close('fixed_it_somehow', { n: 1, time: at(40) });
		const r = apply(order, action, ctx);
		expect(r.outcome).toBe('conflict');
		expect(r.conflict?.reason).toBe('unknown_resolution');
		expect(r.conflict?.message).toContain('fixed_it_somehow');
		expect(businessState(r.order)).toEqual(businessState(order));
		expect(r.order.status).toBe('assigned');
		expect(r.order.resolution).toBeNull();
		expect(lastHistory(r.order)).toMatchObject({ action_id: action.id, action: 'close', outcome: 'conflict' });
		expect(r.order.applied_action_ids).toContain(action.id);
	});

	describe('when the service type requires an "after" photo', () => {
		const pctx = photoContext();

		it('refuses a close without one (conflict missing_after_photo)', () => {
			const order = workOrder();
			const r = apply(order, close('repaired', { n: 1 }), pctx);
			expect(r.outcome).toBe('conflict');
			expect(r.conflict?.reason).toBe('missing_after_photo');
			expect(r.order.status).toBe('assigned');
			expect(r.order.closed_datetime).toBeNull();
			expect(lastHistory(r.order).outcome).toBe('conflict');
		});

		it('accepts a close that carries the after photo, and publishes that photo', () => {
			const action = close('repaired', { n: 1, time: at(50) }, { after_photo: 'after.jpg' });
			const r = apply(workOrder(), action, pctx);
			expect(r.outcome).toBe('applied');
			expect(r.order.status).toBe('closed');
			expect(r.order.photos).toEqual([
				{ action_id: action.id, attachment: 'after.jpg', kind: 'after', at: at(50), public: true }
			]);
		});

		it('accepts a close after an earlier "after" photo action was applied', () => {
			const order = run(workOrder(), [photo('after', { n: 1, time: at(45) })], pctx);
			expect(order.photos.map((p) => p.kind)).toEqual(['after']);
			const r = apply(order, close('repaired', { n: 2, time: at(50) }), pctx);
			expect(r.outcome).toBe('applied');
			expect(r.order.status).toBe('closed');
		});

		it('a "before" or "progress" photo does not count', () => {
			const order = run(
				workOrder(),
				[photo('before', { n: 1, time: at(5) }), photo('progress', { n: 2, time: at(20) })],
				pctx
			);
			const r = apply(order, close('repaired', { n: 3, time: at(50) }), pctx);
			expect(r.conflict?.reason).toBe('missing_after_photo');
		});

		it('an unknown resolution code is reported before the missing photo', () => {
			expect(apply(workOrder(), close('nope', { n: 1 }), pctx).conflict?.reason).toBe('unknown_resolution');
		});
	});

	it('a second close on a closed order is a noop recorded in the history; the first closure stands', () => {
		const first = close('repaired', { n: 1, time: at(40), author: AUTHOR_A }, { public_note: 'Done' });
		const closed = apply(workOrder(), first, ctx).order;
		const second = close('no_issue_found', { n: 2, time: at(45), author: AUTHOR_A }, { public_note: 'Done again' });
		const r = apply(closed, second, ctx);
		expect(r.outcome).toBe('noop');
		expect(r.conflict).toBeUndefined();
		expect(businessState(r.order)).toEqual(businessState(closed));
		expect(r.order.resolution?.code).toBe('repaired');
		expect(r.order.history.map((h) => [h.action_id, h.outcome])).toEqual([
			[first.id, 'applied'],
			[second.id, 'noop']
		]);
	});

	it('a late en_route on a closed order is a noop', () => {
		const closed = apply(workOrder(), close('repaired', { n: 1, time: at(40) }), ctx).order;
		const r = apply(closed, enRoute({ n: 2, time: at(5) }), ctx);
		expect(r.outcome).toBe('noop');
		expect(r.order.status).toBe('closed');
	});
});

describe('apply: duplicate', () => {
	it('closes the order as a duplicate of another request', () => {
		const action = duplicate('99', { n: 1, time: at(15), author: AUTHOR_A }, 'Same pothole');
		const r = apply(workOrder(), action, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.status).toBe('closed');
		expect(r.order.duplicate_of).toBe('99');
		expect(r.order.closed_datetime).toBe(at(15));
		expect(r.order.resolution).toEqual({ code: 'duplicate', note: 'Same pothole', at: at(15), by: AUTHOR_A });
		expect(r.order.public_notes).toHaveLength(1);
		expect(r.order.public_notes[0]?.text).toContain('#99');
		expect(lastHistory(r.order).visibility).toBe('public');
	});

	it('a duplicate of an already closed order changes nothing', () => {
		const closed = apply(workOrder(), close('repaired', { n: 1, time: at(40) }), ctx).order;
		const r = apply(closed, duplicate('99', { n: 2, time: at(50) }), ctx);
		expect(r.outcome).toBe('noop');
		expect(r.order.duplicate_of).toBeNull();
		expect(r.order.resolution?.code).toBe('repaired');
	});
});

describe('apply: reroute', () => {
	it('to a crew: the crew changes, the status is assigned, the assignment log grows', () => {
		const onSiteOrder = apply(workOrder(), onSite({ n: 1, time: at(10) }), ctx).order;
		const action = rerouteToCrew(CREW_B, 'Needs the asphalt truck', { n: 2, time: at(20) });
		const r = apply(onSiteOrder, action, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.crew).toBe(CREW_B);
		expect(r.order.status).toBe('assigned');
		expect(r.order.department).toBe(DEPT_DPW);
		expect(r.order.assignments).toEqual([
			{ crew: CREW_A, from: ASSIGNED_AT },
			{ crew: CREW_B, from: at(20) }
		]);
		expect(lastHistory(r.order).summary).toContain('Needs the asphalt truck');
		expect(crewAt(r.order, at(19))).toBe(CREW_A);
		expect(crewAt(r.order, at(21))).toBe(CREW_B);
	});

	it('to a department: no crew, back to new, in that department, with the reason in the history', () => {
		const action = rerouteToDepartment(DEPT_SFMTA, 'Signal pole, not pavement', { n: 1, time: at(20) });
		const r = apply(workOrder(), action, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.crew).toBeNull();
		expect(r.order.status).toBe('new');
		expect(r.order.department).toBe(DEPT_SFMTA);
		expect(r.order.assignments.at(-1)).toEqual({ crew: null, from: at(20) });
		expect(lastHistory(r.order)).toMatchObject({
			action: 'reroute',
			outcome: 'applied',
			visibility: 'internal'
		});
		expect(lastHistory(r.order).summary).toContain('Signal pole, not pavement');
		expect(lastHistory(r.order).summary).toContain(DEPT_SFMTA);
	});

	it.each([
		['crew', () => rerouteToCrew('crew-zz', 'they know it', { n: 1 })],
		['department', () => rerouteToDepartment('parks', 'their tree', { n: 1 })]
	])('to an unknown %s: conflict unknown_target, nothing changes but the history', (_kind, make) => {
		const order = workOrder();
		const r = apply(order, make(), ctx);
		expect(r.outcome).toBe('conflict');
		expect(r.conflict?.reason).toBe('unknown_target');
		expect(businessState(r.order)).toEqual(businessState(order));
		expect(lastHistory(r.order).outcome).toBe('conflict');
	});

	it('never reopens a closed order (closed -> assigned is not a transition)', () => {
		const closed = apply(workOrder(), close('repaired', { n: 1, time: at(40) }), ctx).order;
		for (const action of [
			rerouteToCrew(CREW_B, 'they are closer', { n: 2, time: at(50) }),
			rerouteToDepartment(DEPT_SFMTA, 'not ours after all', { n: 3, time: at(50) })
		]) {
			const r = apply(closed, action, ctx);
			expect(r.outcome).toBe('conflict');
			expect(r.conflict?.reason).toBe('invalid_transition');
			expect(businessState(r.order)).toEqual(businessState(closed));
			expect(lastHistory(r.order).outcome).toBe('conflict');
		}
	});
});

describe('apply: who may act (assignment by device time)', () => {
	it('refuses an action from a crew that did not hold the order: conflict not_assigned, order unchanged', () => {
		const order = workOrder();
		for (const action of [
			enRoute({ n: 1, crew: CREW_B, author: AUTHOR_B }),
			close('repaired', { n: 2, crew: CREW_B, author: AUTHOR_B }),
			rerouteToCrew(CREW_C, 'swap', { n: 3, crew: CREW_B, author: AUTHOR_B })
		]) {
			const r = apply(order, action, ctx);
			expect(r.outcome, action.action).toBe('conflict');
			expect(r.conflict?.reason).toBe('not_assigned');
			expect(r.conflict?.message).toContain(CREW_B);
			expect(businessState(r.order)).toEqual(businessState(order));
			expect(r.order.status).toBe('assigned');
			expect(r.order.crew).toBe(CREW_A);
			expect(lastHistory(r.order)).toMatchObject({ action_id: action.id, outcome: 'conflict', crew: CREW_B });
		}
	});

	it('keeps a stranger crew\'s note in the history but does not publish it', () => {
		const action = note('Hole is 30 cm deep', 'public', { n: 1, crew: CREW_B, author: AUTHOR_B });
		const r = apply(workOrder(), action, ctx);
		expect(r.conflict?.reason).toBe('not_assigned');
		expect(lastHistory(r.order).summary).toContain('Hole is 30 cm deep');
		expect(r.order.public_notes).toEqual([]);
	});

	it('keeps a stranger crew\'s photo in the photos (never public)', () => {
		const action = photo('before', { n: 1, crew: CREW_B, author: AUTHOR_B, time: at(5) });
		const r = apply(workOrder(), action, ctx);
		expect(r.conflict?.reason).toBe('not_assigned');
		expect(r.order.photos).toEqual([
			{ action_id: action.id, attachment: 'before.jpg', kind: 'before', at: at(5), public: false }
		]);
	});

	it('refuses an action from the right crew dated before the crew got the order and after it lost it', () => {
		const reassigned = apply(workOrder(), assign(CREW_B, { n: 1, time: at(60) }), ctx).order;
		expect(reassigned.crew).toBe(CREW_B);
		const tooEarly = apply(reassigned, note('early', 'internal', { n: 2, time: at(-30) }), ctx);
		expect(tooEarly.conflict?.reason).toBe('not_assigned');
		const tooLate = apply(reassigned, note('late', 'internal', { n: 3, time: at(61) }), ctx);
		expect(tooLate.conflict?.reason).toBe('not_assigned');
	});

	it('applies an action dated inside the crew\'s assignment period that arrives after a reassignment', () => {
		// Crew A held the order from ASSIGNED_AT; a supervisor gave it to crew B at +60 min. Crew A's tablet was
		// offline and syncs its +30 min note and photo only now.
		const reassigned = apply(workOrder(), assign(CREW_B, { n: 1, time: at(60) }), ctx).order;
		expect(crewAt(reassigned, at(30))).toBe(CREW_A);

		const late = note('Marked with paint', 'public', { n: 2, time: at(30) });
		const r = apply(reassigned, late, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.conflict).toBeUndefined();
		expect(r.order.crew).toBe(CREW_B);
		expect(r.order.public_notes.map((n) => n.text)).toEqual(['Marked with paint']);

		const latePhoto = apply(r.order, photo('before', { n: 3, time: at(31) }), ctx);
		expect(latePhoto.outcome).toBe('applied');
	});

	it('the crew that holds the order now may act even with a device time before its assignment (clock skew)', () => {
		const reassigned = apply(workOrder(), assign(CREW_B, { n: 1, time: at(60) }), ctx).order;
		const r = apply(reassigned, enRoute({ n: 2, crew: CREW_B, author: AUTHOR_B, time: at(59) }), ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.status).toBe('en_route');
	});

	it('ctx.force (a supervisor accepted the conflict) skips the assignment check', () => {
		const order = workOrder();
		const action = close('repaired', { n: 1, crew: CREW_B, author: AUTHOR_B, time: at(40) });
		expect(apply(order, action, ctx).conflict?.reason).toBe('not_assigned');
		const forced = apply(order, action, context({ force: true }));
		expect(forced.outcome).toBe('applied');
		expect(forced.order.status).toBe('closed');
	});

	it('ctx.force does not skip the business rules', () => {
		const action = close('made_up', { n: 1, crew: CREW_B, author: AUTHOR_B });
		expect(apply(workOrder(), action, context({ force: true })).conflict?.reason).toBe('unknown_resolution');
	});

	it('supervisor actions are not subject to the crew check', () => {
		const r = apply(workOrder(), setPriority('high', { n: 1 }), ctx);
		expect(r.outcome).toBe('applied');
	});
});

describe('crewAt', () => {
	const order = {
		crew: CREW_C,
		assignments: [
			{ crew: CREW_A, from: at(0) },
			{ crew: null, from: at(60) },
			{ crew: CREW_C, from: at(120) }
		]
	};

	it('names the holder of each period, boundaries included', () => {
		expect(crewAt(order, at(-1))).toBeNull();
		expect(crewAt(order, at(0))).toBe(CREW_A);
		expect(crewAt(order, at(59))).toBe(CREW_A);
		expect(crewAt(order, at(60))).toBeNull();
		expect(crewAt(order, at(119))).toBeNull();
		expect(crewAt(order, at(120))).toBe(CREW_C);
		expect(crewAt(order, at(10_000))).toBe(CREW_C);
	});

	it('compares instants, not strings (offsets are honoured)', () => {
		// 09:30+02:00 is 07:30Z, before crew A's 08:00Z assignment.
		expect(crewAt(order, '2024-05-01T09:30:00+02:00')).toBeNull();
		// 07:30-01:00 is 08:30Z, inside crew A's period although the string sorts before "08:00Z".
		expect(crewAt(order, '2024-05-01T07:30:00-01:00')).toBe(CREW_A);
	});

	it('is null for an order that was never assigned', () => {
		expect(crewAt({ crew: null, assignments: [] }, at(0))).toBeNull();
	});
});

describe('apply: notes', () => {
	it('a public note goes to public_notes with the current status', () => {
		const o1 = apply(workOrder(), enRoute({ n: 1, time: at(10) }), ctx).order;
		const action = note('Crew on the way', 'public', { n: 2, time: at(11) });
		const r = apply(o1, action, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.public_notes).toEqual([
			{ at: at(11), text: 'Crew on the way', status: 'en_route', action_id: action.id }
		]);
		expect(lastHistory(r.order)).toMatchObject({ visibility: 'public', summary: 'Note: Crew on the way' });
	});

	it('an internal note stays out of public_notes and is marked internal in the history', () => {
		const r = apply(workOrder(), note('Dog in the yard', 'internal', { n: 1 }), ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.public_notes).toEqual([]);
		expect(lastHistory(r.order)).toMatchObject({ visibility: 'internal', summary: 'Note: Dog in the yard' });
		expect(r.order.status).toBe('assigned');
	});

	it('notes and photos are accepted on a closed order without reopening it', () => {
		const closed = apply(workOrder(), close('repaired', { n: 1, time: at(40) }), ctx).order;
		const r = run(closed, [note('Cleaned up', 'internal', { n: 2, time: at(41) }), photo('after', { n: 3, time: at(42) })]);
		expect(r.status).toBe('closed');
		expect(r.history.map((h) => h.outcome)).toEqual(['applied', 'applied', 'applied']);
		expect(r.photos).toHaveLength(1);
	});
});

describe('apply: supervisor actions', () => {
	it('assign puts a new order on a crew\'s list', () => {
		const order = unassignedOrder();
		const action = assign(CREW_B, { n: 1, time: at(5) });
		const r = apply(order, action, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.crew).toBe(CREW_B);
		expect(r.order.status).toBe('assigned');
		expect(r.order.assignments).toEqual([{ crew: CREW_B, from: at(5) }]);
		expect(r.order.updated_datetime).toBe(at(5));
		expect(lastHistory(r.order)).toMatchObject({ by: action.author, crew: null, visibility: 'internal' });
	});

	it('assign moves an order from one crew to another, even from on_site', () => {
		const onSiteOrder = apply(workOrder(), onSite({ n: 1, time: at(10) }), ctx).order;
		const r = apply(onSiteOrder, assign(CREW_C, { n: 2, time: at(20) }), ctx);
		expect(r.order.crew).toBe(CREW_C);
		expect(r.order.status).toBe('assigned');
		expect(r.order.assignments.map((a) => a.crew)).toEqual([CREW_A, CREW_C]);
	});

	it('assigning the crew that already holds the order is a noop', () => {
		const order = workOrder();
		const r = apply(order, assign(CREW_A, { n: 1 }), ctx);
		expect(r.outcome).toBe('noop');
		expect(businessState(r.order)).toEqual(businessState(order));
	});

	it('assign to an unknown crew is a conflict unknown_target', () => {
		const r = apply(unassignedOrder(), assign('crew-zz', { n: 1 }), ctx);
		expect(r.conflict?.reason).toBe('unknown_target');
		expect(r.order.status).toBe('new');
		expect(r.order.crew).toBeNull();
	});

	it('assign cannot revive a closed order', () => {
		const closed = apply(workOrder(), close('repaired', { n: 1, time: at(40) }), ctx).order;
		const r = apply(closed, assign(CREW_B, { n: 2, time: at(50) }), ctx);
		expect(r.outcome).toBe('conflict');
		expect(r.conflict?.reason).toBe('invalid_transition');
		expect(r.order.status).toBe('closed');
		expect(r.order.crew).toBe(CREW_A);
	});

	it('unassign sends the order back to the queue and logs who held it until when', () => {
		const action = unassign({ n: 1, time: at(30) }, 'Crew sent home');
		const r = apply(workOrder(), action, ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.crew).toBeNull();
		expect(r.order.status).toBe('new');
		expect(r.order.department).toBe(DEPT_DPW);
		expect(r.order.assignments.at(-1)).toEqual({ crew: null, from: at(30) });
		expect(lastHistory(r.order).summary).toBe('Unassigned: Crew sent home');
		expect(crewAt(r.order, at(29))).toBe(CREW_A);
		expect(crewAt(r.order, at(31))).toBeNull();
	});

	it('unassign of a new order is a noop', () => {
		const r = apply(unassignedOrder(), unassign({ n: 1 }), ctx);
		expect(r.outcome).toBe('noop');
		expect(r.order.assignments).toEqual([]);
	});

	it('unassign reopens a closed order into the queue and clears the closure (history keeps it)', () => {
		const closed = apply(workOrder(), close('repaired', { n: 1, time: at(40) }, { public_note: 'Done' }), ctx).order;
		const r = apply(closed, unassign({ n: 2, time: at(90) }, 'Resident says it is still there'), ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.status).toBe('new');
		expect(toOpen311Status(r.order.status)).toBe('open');
		expect(r.order.crew).toBeNull();
		expect(r.order.closed_datetime).toBeNull();
		expect(r.order.resolution).toBeNull();
		expect(r.order.history.map((h) => h.summary)).toEqual([
			'Closed: repaired',
			'Unassigned: Resident says it is still there'
		]);
		// It can be closed again, with a new closure.
		const reclosed = apply(
			apply(r.order, assign(CREW_B, { n: 3, time: at(100) }), ctx).order,
			close('repaired', { n: 4, crew: CREW_B, author: AUTHOR_B, time: at(130) }),
			ctx
		);
		expect(reclosed.outcome).toBe('applied');
		expect(reclosed.order.closed_datetime).toBe(at(130));
	});

	it('reopening a duplicate clears duplicate_of', () => {
		const dup = apply(workOrder(), duplicate('99', { n: 1, time: at(10) }), ctx).order;
		const r = apply(dup, unassign({ n: 2, time: at(20) }, 'Not the same hole'), ctx);
		expect(r.order.status).toBe('new');
		expect(r.order.duplicate_of).toBeNull();
	});

	it('set_priority changes only the priority, with an internal history entry', () => {
		const order = workOrder();
		const r = apply(order, setPriority('urgent', { n: 1, time: at(5) }), ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.priority).toBe('urgent');
		expect({ ...businessState(r.order), priority: order.priority, updated_datetime: order.updated_datetime }).toEqual(
			businessState(order)
		);
		// An applied change is an update Open311 clients must see.
		expect(r.order.updated_datetime).toBe(at(5));
		expect(lastHistory(r.order)).toMatchObject({ summary: 'Priority set to urgent', visibility: 'internal' });
	});

	it('set_department moves an assigned order to the other department\'s queue: no crew, status new, reason in the history', () => {
		const order = workOrder();
		const r = apply(order, setDepartment(DEPT_SFMTA, { n: 1, time: at(5) }, 'A signal, not a street'), ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order).toMatchObject({ department: DEPT_SFMTA, crew: null, status: 'new' });
		expect(r.order.assignments.at(-1)).toEqual({ crew: null, from: at(5) });
		expect(lastHistory(r.order)).toMatchObject({ by: SUPERVISOR, summary: 'Moved to department sfmta: A signal, not a street' });
	});

	it('set_department: same department is a noop, an unknown one a conflict, a closed order stays closed', () => {
		expect(apply(workOrder(), setDepartment(DEPT_DPW, { n: 1 }), ctx).outcome).toBe('noop');
		const unknown = apply(workOrder(), setDepartment('parks', { n: 2 }), ctx);
		expect(unknown.outcome).toBe('conflict');
		expect(unknown.conflict?.reason).toBe('unknown_target');
		const closed = apply(workOrder(), close('repaired', { n: 3, time: at(1) }), ctx).order;
		const r = apply(closed, setDepartment(DEPT_SFMTA, { n: 4, time: at(2) }), ctx);
		expect(r.outcome).toBe('conflict');
		expect(r.order.status).toBe('closed');
		expect(r.order.department).toBe(DEPT_DPW);
	});

	it('set_service_type within the department keeps the crew; to another department\'s type it moves the order', () => {
		const same = apply(workOrder(), setServiceType('sidewalk', { n: 1, time: at(5) }), ctx);
		expect(same.outcome).toBe('applied');
		expect(same.order).toMatchObject({ service_code: 'sidewalk', service_name: 'Sidewalk repair', crew: CREW_A, status: 'assigned', department: DEPT_DPW });
		const other = apply(workOrder(), setServiceType('sign', { n: 2, time: at(5) }), ctx);
		expect(other.order).toMatchObject({ service_code: 'sign', department: DEPT_SFMTA, crew: null, status: 'new' });
		expect(apply(workOrder(), setServiceType('pothole', { n: 3 }), ctx).outcome).toBe('noop');
		const unknown = apply(workOrder(), setServiceType('volcano', { n: 4 }), ctx);
		expect(unknown.outcome).toBe('conflict');
		expect(unknown.order.service_code).toBe('pothole');
	});
});

describe('apply: purity', () => {
	const everyKind = (): FieldAction[] => [
		enRoute({ n: 1, time: at(1) }),
		onSite({ n: 2, time: at(2) }),
		note('public note', 'public', { n: 3, time: at(3) }),
		note('internal note', 'internal', { n: 4, time: at(4) }),
		photo('after', { n: 5, time: at(5) }),
		setPriority('high', { n: 6, time: at(6) }),
		rerouteToCrew(CREW_B, 'closer crew', { n: 7, time: at(7) }),
		enRoute({ n: 8, crew: CREW_C, author: AUTHOR_B, time: at(8) }), // conflict: not assigned
		assign(CREW_A, { n: 9, time: at(9) }),
		close('repaired', { n: 10, time: at(10) }, { public_note: 'fixed', after_photo: 'a.jpg' }),
		close('repaired', { n: 11, time: at(11) }), // noop
		unassign({ n: 12, time: at(12) }, 'reopen'),
		rerouteToDepartment(DEPT_SFMTA, 'not ours', { n: 13, crew: CREW_A, time: at(8.5) }),
		duplicate('77', { n: 14, time: at(14), crew: null })
	];

	it('never mutates the input order (deep-frozen input, every action kind)', () => {
		let order: WorkOrder = deepFreeze(workOrder());
		for (const action of everyKind()) {
			const snapshot = structuredClone(order);
			const result = apply(order, action, ctx);
			expect(order).toEqual(snapshot);
			order = deepFreeze(result.order);
		}
	});

	it('never mutates the context or the action', () => {
		const c = deepFreeze(context());
		const actions = deepFreeze(everyKind());
		expect(() => applyAll(deepFreeze(workOrder()), actions, c)).not.toThrow();
	});

	it('gives equal results for equal inputs', () => {
		const a = run(workOrder(), everyKind());
		const b = run(workOrder(), everyKind());
		expect(a).toEqual(b);
	});
});

describe('applyAll: determinism', () => {
	const actions = (): FieldAction[] => [
		enRoute({ n: 1, time: at(10) }),
		photo('before', { n: 2, time: at(20) }),
		onSite({ n: 3, time: at(21) }),
		note('Deeper than reported', 'public', { n: 4, time: at(22) }),
		note('Same minute, lower id wins the tie', 'internal', { n: 5, time: at(30) }),
		photo('after', { n: 6, time: at(30) }),
		setPriority('high', { n: 7, time: at(25) }),
		position(37.79, -122.39, { n: 8, time: at(26) }),
		close('repaired', { n: 9, time: at(40) }, { public_note: 'Patched' }),
		close('repaired', { n: 10, time: at(41) }),
		enRoute({ n: 11, crew: CREW_B, author: AUTHOR_B, time: at(15) })
	];

	it('gives the same order for any arrival order of the same actions', () => {
		const ordered = applyAll(workOrder(), actions(), photoContext());
		expect(ordered.status).toBe('closed');
		for (const seed of [1, 2, 3, 42, 1234, 99_999]) {
			const result = applyAll(workOrder(), shuffled(actions(), seed), photoContext());
			expect(result).toEqual(ordered);
		}
	});

	it('folds in device-time order, ties broken by id, and skips position actions', () => {
		const result = applyAll(workOrder(), shuffled(actions(), 7), photoContext());
		expect(result.history.map((h) => h.action_id)).toEqual(
			[1, 11, 2, 3, 4, 7, 5, 6, 9, 10].map((n) => uuid(n))
		);
		expect(result.history.map((h) => h.outcome)).toEqual([
			'applied', // en_route
			'conflict', // crew B
			'applied', // photo before
			'applied', // on_site
			'applied', // public note
			'applied', // priority
			'applied', // internal note
			'applied', // after photo
			'applied', // close (after photo present)
			'noop' // second close
		]);
		expect(result.applied_action_ids).not.toContain(uuid(8));
	});

	it('is the same as applying the sorted actions one at a time', () => {
		const list = actions().filter((a) => a.action !== 'position');
		const sorted = [...list].sort((a, b) => Date.parse(a.device_time) - Date.parse(b.device_time) || (a.id < b.id ? -1 : 1));
		expect(applyAll(workOrder(), shuffled(list, 5), photoContext())).toEqual(run(workOrder(), sorted, photoContext()));
	});

	it('is idempotent: folding the same actions again changes nothing', () => {
		const once = applyAll(workOrder(), actions(), photoContext());
		expect(applyAll(once, shuffled(actions(), 3), photoContext())).toEqual(once);
	});
});

describe('applyPosition', () => {
	it('sets the first position, with its accuracy', () => {
		const crew = crewWithPosition(null);
		const next = applyPosition(crew, position(37.7, -122.4, { n: 1, time: at(10) }, 12));
		expect(next.last_position).toEqual({ lat: 37.7, long: -122.4, at: at(10), accuracy_m: 12 });
		expect(next.id).toBe(crew.id);
		expect(crew.last_position).toBeNull();
	});

	it('keeps the newest position and ignores older or same-time ones', () => {
		const crew = deepFreeze(crewWithPosition({ lat: 37.7, long: -122.4, at: at(10) }));
		const newer = applyPosition(crew, position(37.8, -122.5, { n: 1, time: at(11) }));
		expect(newer.last_position).toEqual({ lat: 37.8, long: -122.5, at: at(11) });
		expect(newer.last_position).not.toHaveProperty('accuracy_m');

		expect(applyPosition(newer, position(1, 1, { n: 2, time: at(5) }))).toBe(newer);
		expect(applyPosition(newer, position(2, 2, { n: 3, time: at(11) }))).toBe(newer);
	});

	it('folding positions in any order ends at the newest', () => {
		const positions = [3, 1, 4, 1.5, 9, 2, 6].map((m, i) => position(37 + m / 100, -122, { n: i + 1, time: at(m) }));
		for (const seed of [1, 2, 3]) {
			const final = shuffled(positions, seed).reduce((c, p) => applyPosition(c, p), crewWithPosition(null));
			expect(final.last_position?.at).toBe(at(9));
			expect(final.last_position?.lat).toBeCloseTo(37.09);
		}
	});

	it('refuses anything but a position action', () => {
		expect(() => applyPosition(crewWithPosition(null), enRoute({ n: 1 }))).toThrow(ReducerInputError);
	});
});

describe('input errors', () => {
	it('apply throws ReducerInputError for an action on another order', () => {
		const action = enRoute({ n: 1, orderId: OTHER_ORDER_ID });
		expect(() => apply(workOrder(), action, ctx)).toThrow(ReducerInputError);
		try {
			apply(workOrder(), action, ctx);
		} catch (e) {
			expect(e).toBeInstanceOf(Error);
			expect((e as Error).name).toBe('ReducerInputError');
			expect((e as Error).message).toContain(OTHER_ORDER_ID);
		}
	});

	it('apply throws ReducerInputError for a position action', () => {
		// A position names no order, so it is caught as "another order" before the switch.
		expect(() => apply(workOrder(), position(1, 1, { n: 1 }), ctx)).toThrow(ReducerInputError);
	});
});

describe('crew projection', () => {
	it('a reduced order projected for a crew carries no reporter data', () => {
		const reduced = apply(workOrder(), enRoute({ n: 1 }), ctx).order;
		const projected = toCrewWorkOrder(reduced);
		expect(projected).not.toHaveProperty('reporter');
		expect(projected.status).toBe('en_route');
		// The reducer works on the projection too (the tablet folds pending actions over it).
		const r = apply(projected, onSite({ n: 2 }), ctx);
		expect(r.order.status).toBe('on_site');
		expect(r.order).not.toHaveProperty('reporter');
	});
});

describe('apply: review fixes', () => {
	const ctx = context();

	it('a conflicting public action stays internal in the history', () => {
		const order = workOrder();
		const r = apply(order, note('seen from the other truck', 'public', { n: 1, crew: CREW_C, author: AUTHOR_B, time: at(5) }), ctx);
		expect(r.outcome).toBe('conflict');
		expect(lastHistory(r.order)).toMatchObject({ outcome: 'conflict', visibility: 'internal' });
		expect(r.order.public_notes).toEqual(order.public_notes);
	});

	it('crewAt judges by time, even when a back-dated assignment was logged later', () => {
		const order = workOrder({
			assignments: [
				{ crew: CREW_A, from: at(0) },
				{ crew: CREW_B, from: at(20) },
				{ crew: CREW_C, from: at(10) } // arrived late, happened earlier
			]
		});
		expect(crewAt(order, at(5))).toBe(CREW_A);
		expect(crewAt(order, at(15))).toBe(CREW_C);
		expect(crewAt(order, at(25))).toBe(CREW_B);
	});

	it('a note without a crew (a supervisor\'s, authorised by the server API) is applied', () => {
		const r = apply(workOrder(), note('call the resident first', 'internal', { n: 2, crew: null, author: SUPERVISOR, time: at(5) }), ctx);
		expect(r.outcome).toBe('applied');
	});

	it('an applied public note moves updated_datetime forward', () => {
		const r = apply(workOrder(), note('crew is on the way', 'public', { n: 3, time: at(40) }), ctx);
		expect(r.order.updated_datetime).toBe(at(40));
	});

	it('an empty public note on close stores no resolution note', () => {
		const r = apply(workOrder(), close('repaired', { n: 4, time: at(40) }, { public_note: '' }), ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.resolution?.note).toBeNull();
	});
});

describe('apply: accepting a conflict (force)', () => {
	const ctx = context();

	it('re-applies an action that was recorded as a conflict, once', () => {
		const order = workOrder();
		const stale = onSite({ n: 50, crew: CREW_C, author: AUTHOR_B, time: at(5) });
		const first = apply(order, stale, ctx);
		expect(first.outcome).toBe('conflict');
		expect(apply(first.order, stale, ctx).outcome).toBe('duplicate');

		const accepted = apply(first.order, stale, { ...ctx, force: true });
		expect(accepted.outcome).toBe('applied');
		expect(accepted.order.status).toBe('on_site');
		expect(accepted.order.applied_action_ids.filter((id) => id === stale.id)).toHaveLength(1);
		expect(accepted.order.history.filter((h) => h.action_id === stale.id).map((h) => h.outcome)).toEqual(['conflict', 'applied']);
		// Once applied, forcing again changes nothing.
		expect(apply(accepted.order, stale, { ...ctx, force: true }).outcome).toBe('duplicate');
	});

	it('never re-applies an action that was applied', () => {
		const r = apply(workOrder(), enRoute({ n: 51, time: at(5) }), ctx);
		expect(apply(r.order, enRoute({ n: 51, time: at(5) }), { ...ctx, force: true }).outcome).toBe('duplicate');
	});
});

describe('apply: the after-photo rule and resolutions without work', () => {
	it('a close that says no work was done needs no after photo', () => {
		const ctx = context({
			serviceType: {
				requires_after_photo: true,
				resolution_codes: [
					{ code: 'repaired', work_done: true },
					{ code: 'no_issue_found', work_done: false }
				]
			}
		});
		expect(apply(workOrder(), close('repaired', { n: 60, time: at(5) }), ctx).conflict?.reason).toBe('missing_after_photo');
		const r = apply(workOrder(), close('no_issue_found', { n: 61, time: at(5) }), ctx);
		expect(r.outcome).toBe('applied');
		expect(r.order.status).toBe('closed');
	});
});
