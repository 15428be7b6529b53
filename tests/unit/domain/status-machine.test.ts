import { describe, expect, it } from 'vitest';
import {
	allowedTransitions,
	canTransition,
	isOpen,
	toOpen311Status,
	workflowStatusSchema,
	WORKFLOW_STATUSES,
	type WorkflowStatus
} from '../../../src/lib/domain';

const OPEN_STATUSES: readonly WorkflowStatus[] = ['new', 'assigned', 'en_route', 'on_site'];

describe('workflow status machine', () => {
	it('knows exactly the five workflow statuses', () => {
		expect([...WORKFLOW_STATUSES].sort()).toEqual(['assigned', 'closed', 'en_route', 'new', 'on_site']);
		expect(workflowStatusSchema.safeParse('open').success).toBe(false);
		expect(workflowStatusSchema.safeParse('CLOSED').success).toBe(false);
	});

	describe('allowed transitions (the field workflow)', () => {
		it.each<[WorkflowStatus, WorkflowStatus]>([
			['new', 'assigned'], // dispatch
			['new', 'closed'], // closed from the queue (e.g. duplicate)
			['assigned', 'en_route'],
			['assigned', 'on_site'], // crew was already next door
			['assigned', 'assigned'], // reassignment to another crew
			['en_route', 'on_site'],
			['on_site', 'closed'],
			['en_route', 'closed'],
			['assigned', 'closed'],
			['closed', 'new'] // reopen, back into the department queue
		])('%s -> %s is allowed', (from, to) => {
			expect(canTransition(from, to)).toBe(true);
		});

		it.each(OPEN_STATUSES.filter((s) => s !== 'new'))('%s can be handed back to the queue (-> new)', (from) => {
			expect(canTransition(from, 'new')).toBe(true);
		});

		it.each(OPEN_STATUSES)('%s can be reassigned or closed', (from) => {
			expect(canTransition(from, 'assigned')).toBe(true);
			expect(canTransition(from, 'closed')).toBe(true);
		});
	});

	describe('forbidden transitions', () => {
		it.each<[WorkflowStatus, WorkflowStatus]>([
			['new', 'en_route'], // nobody drives to an unassigned order
			['new', 'on_site'],
			['new', 'new'],
			['on_site', 'en_route'], // no going back on the road from the site
			['on_site', 'on_site'],
			['en_route', 'en_route'],
			['closed', 'assigned'], // a closed order is only reopened into the queue
			['closed', 'en_route'],
			['closed', 'on_site'],
			['closed', 'closed']
		])('%s -> %s is forbidden', (from, to) => {
			expect(canTransition(from, to)).toBe(false);
		});

		it('a closed order can only be reopened into the queue', () => {
			expect(allowedTransitions('closed')).toEqual(['new']);
		});
	});

	it('allowedTransitions agrees with canTransition for every pair', () => {
		for (const from of WORKFLOW_STATUSES) {
			const allowed = allowedTransitions(from);
			for (const to of WORKFLOW_STATUSES) {
				expect(canTransition(from, to), `${from} -> ${to}`).toBe(allowed.includes(to));
			}
			// Every target is itself a known status (no typos hidden in the table).
			for (const to of allowed) expect(WORKFLOW_STATUSES).toContain(to);
		}
	});

	it('every status can reach closed', () => {
		for (const from of WORKFLOW_STATUSES) {
			const seen = new Set<WorkflowStatus>([from]);
			const queue: WorkflowStatus[] = [from];
			while (queue.length > 0) {
				const s = queue.shift() as WorkflowStatus;
				for (const next of allowedTransitions(s)) {
					if (!seen.has(next)) {
						seen.add(next);
						queue.push(next);
					}
				}
			}
			expect(seen.has('closed'), from).toBe(true);
		}
	});
});

describe('toOpen311Status / isOpen', () => {
	it('maps closed to Open311 "closed"', () => {
		expect(toOpen311Status('closed')).toBe('closed');
		expect(isOpen('closed')).toBe(false);
	});

	it.each(OPEN_STATUSES)('maps %s to Open311 "open"', (status) => {
		expect(toOpen311Status(status)).toBe('open');
		expect(isOpen(status)).toBe(true);
	});
});
