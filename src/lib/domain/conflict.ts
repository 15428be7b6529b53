import { z } from 'zod';
import { couchMeta, isoDateTime } from './common';
import { workflowStatusSchema } from './status-machine';

export const CONFLICT_REASONS = [
	'not_assigned',
	'invalid_transition',
	'unknown_resolution',
	'missing_after_photo',
	'unknown_target',
	'order_missing'
] as const;
export const conflictReasonSchema = z.enum(CONFLICT_REASONS);
export type ConflictReason = z.infer<typeof conflictReasonSchema>;

/** What the reducer reports when an action cannot be applied cleanly. */
export const conflictFindingSchema = z.object({
	reason: conflictReasonSchema,
	message: z.string()
});
export type ConflictFinding = z.infer<typeof conflictFindingSchema>;

export const conflictSchema = z.object({
	...couchMeta,
	type: z.literal('conflict'),
	action_id: z.string(),
	order_id: z.string().nullable(),
	crew: z.string().nullable(),
	author: z.string(),
	action: z.string(),
	device_time: isoDateTime,
	reason: conflictReasonSchema,
	message: z.string(),
	/** The order as it stood when the action arrived: the "what had changed" side. */
	order_at_arrival: z
		.object({ status: workflowStatusSchema, crew: z.string().nullable(), updated_datetime: isoDateTime, rev: z.string().nullable() })
		.nullable(),
	created_at: isoDateTime,
	state: z.enum(['open', 'accepted', 'dismissed']),
	resolution: z
		.object({ by: z.string(), at: isoDateTime, decision: z.enum(['accepted', 'dismissed']), reason: z.string() })
		.nullable()
});
export type Conflict = z.infer<typeof conflictSchema>;

export const conflictDocId = (actionId: string) => `conflict:${actionId}`;
