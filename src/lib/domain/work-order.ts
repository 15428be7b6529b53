import { z } from 'zod';
import { couchMeta, isoDateTime, latitude, longitude, slug } from './common';
import { workflowStatusSchema } from './status-machine';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;

export const DESCRIPTION_MAX = 4000; // characters, Open311 GeoReport v2

/** Private to the city: never projected to crews, never in Open311 or exports. */
export const reporterSchema = z.object({
	first_name: z.string().max(200).nullable().default(null),
	last_name: z.string().max(200).nullable().default(null),
	email: z.email().nullable().default(null),
	phone: z.string().max(50).nullable().default(null),
	notify: z.boolean().default(false),
	/** Language of the resident's e-mails (from the report form's language). */
	lang: z.enum(['en', 'es']).default('en')
});
export type Reporter = z.infer<typeof reporterSchema>;

export const publicNoteSchema = z.object({
	at: isoDateTime,
	text: z.string().min(1).max(4000),
	status: workflowStatusSchema,
	action_id: z.string().nullable()
});
export type PublicNote = z.infer<typeof publicNoteSchema>;

/** One line of an order's history: every action that touched it, applied or not. */
export const historyEntrySchema = z.object({
	action_id: z.string(),
	action: z.string(),
	at: isoDateTime,
	by: z.string(),
	crew: z.string().nullable(),
	outcome: z.enum(['applied', 'noop', 'conflict']),
	summary: z.string(),
	visibility: z.enum(['internal', 'public']),
	/** The order's status after this entry (absent on entries written before it was recorded). */
	status: workflowStatusSchema.optional()
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const photoRefSchema = z.object({
	action_id: z.string(),
	attachment: z.string(),
	kind: z.enum(['before', 'progress', 'after']),
	at: isoDateTime,
	public: z.boolean()
});
export type PhotoRef = z.infer<typeof photoRefSchema>;

/** Who held the order and from when: lets the reducer judge an action by its device time. */
export const assignmentSchema = z.object({
	crew: slug.nullable(),
	from: isoDateTime
});
export type Assignment = z.infer<typeof assignmentSchema>;

export const workOrderSchema = z.object({
	...couchMeta,
	type: z.literal('work_order'),
	// --- Open311 GeoReport v2 request fields ---
	service_request_id: z.string().min(1).max(64),
	service_code: slug,
	service_name: z.string(),
	description: z.string().max(DESCRIPTION_MAX),
	agency_responsible: z.string(),
	status_notes: z.string().nullable(),
	address: z.string().nullable(),
	zipcode: z.string().nullable(),
	lat: latitude,
	long: longitude,
	media_url: z.string().nullable(),
	requested_datetime: isoDateTime,
	updated_datetime: isoDateTime,
	expected_datetime: isoDateTime.nullable(),
	closed_datetime: isoDateTime.nullable(),
	attributes: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
	// --- workflow ---
	status: workflowStatusSchema,
	priority: prioritySchema,
	crew: slug.nullable(),
	department: slug,
	assignments: z.array(assignmentSchema).default([]),
	neighborhood: z.string().nullable(),
	supervisor_district: z.string().nullable(),
	duplicate_of: z.string().nullable(),
	resolution: z
		.object({ code: z.string(), note: z.string().nullable(), at: isoDateTime, by: z.string() })
		.nullable(),
	reporter: reporterSchema.nullable(),
	public_notes: z.array(publicNoteSchema).default([]),
	history: z.array(historyEntrySchema).default([]),
	photos: z.array(photoRefSchema).default([]),
	applied_action_ids: z.array(z.string()).default([]),
	// --- provenance ---
	source_channel: z.string().nullable(),
	/** Open311 token given for a batch-type request (tokens/{token} answers the request id). */
	intake_token: z.string().nullable().default(null),
	/** Data-quality flags kept visible, e.g. "closed_before_opened" from the SF 311 export. */
	flags: z.array(z.string()).default([])
});
export type WorkOrder = z.infer<typeof workOrderSchema>;

export const workOrderDocId = (serviceRequestId: string) => `order:${serviceRequestId}`;

/** The order as a crew's tablet gets it: the reporter's private contact data is never projected. */
export type CrewWorkOrder = Omit<WorkOrder, 'reporter'>;

export function toCrewWorkOrder(order: WorkOrder): CrewWorkOrder {
	const { reporter: _private, ...rest } = order;
	void _private;
	return rest;
}
