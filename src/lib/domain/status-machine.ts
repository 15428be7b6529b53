import { z } from 'zod';

/**
 * Workflow status of a work order. Open311 only knows open | closed: everything but `closed` is open.
 * new       in a department's queue, no crew
 * assigned  a crew has it on today's list
 * en_route  the crew is driving there
 * on_site   the crew is working on it
 * closed    resolved (with a resolution code)
 */
export const WORKFLOW_STATUSES = ['new', 'assigned', 'en_route', 'on_site', 'closed'] as const;
export const workflowStatusSchema = z.enum(WORKFLOW_STATUSES);
export type WorkflowStatus = z.infer<typeof workflowStatusSchema>;

export type Open311Status = 'open' | 'closed';

const TRANSITIONS: Readonly<Record<WorkflowStatus, readonly WorkflowStatus[]>> = {
	new: ['assigned', 'closed'],
	assigned: ['assigned', 'en_route', 'on_site', 'closed', 'new'],
	en_route: ['assigned', 'on_site', 'closed', 'new'],
	on_site: ['assigned', 'closed', 'new'],
	// A closed order is reopened only by a supervisor, back into its department's queue.
	closed: ['new']
};

/** The status an action moves an order to (actions not listed leave it as it is). */
export const STATUS_AFTER_ACTION: Readonly<Partial<Record<string, WorkflowStatus>>> = {
	en_route: 'en_route',
	on_site: 'on_site',
	close: 'closed',
	duplicate: 'closed',
	assign: 'assigned',
	unassign: 'new'
};

export function canTransition(from: WorkflowStatus, to: WorkflowStatus): boolean {
	return TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: WorkflowStatus): readonly WorkflowStatus[] {
	return TRANSITIONS[from];
}

export function toOpen311Status(status: WorkflowStatus): Open311Status {
	return status === 'closed' ? 'closed' : 'open';
}

export const isOpen = (status: WorkflowStatus) => status !== 'closed';
/** Every status but closed: the work still to do. */
export const OPEN_STATUSES: readonly WorkflowStatus[] = WORKFLOW_STATUSES.filter(isOpen);
