import { z } from 'zod';
import { isoDateTime, latitude, longitude, reasonTextSchema as reasonText, slug } from './common';
import { prioritySchema } from './work-order';

/** Photo attachments a tablet may send (type sniffed from the bytes at the gateway). */
export const PHOTO_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024; // 2 MB per photo

/** Client-made action ids: a UUID (crypto.randomUUID) — stable across retries, so replays are detectable. */
export const actionIdSchema = z.uuid();

const attachmentName = z
	.string()
	.min(1)
	.max(100)
	.regex(/^[A-Za-z0-9._-]+$/, 'attachment names are letters, digits, ".", "_" or "-"');

export const attachmentSchema = z.union([
	z.object({
		content_type: z.enum(PHOTO_CONTENT_TYPES),
		data: z.union([z.string(), z.instanceof(Uint8Array), z.custom<Blob>((v) => typeof Blob !== 'undefined' && v instanceof Blob)])
	}),
	z.object({
		content_type: z.enum(PHOTO_CONTENT_TYPES),
		stub: z.literal(true),
		length: z.number().int().nonnegative().optional(),
		digest: z.string().optional(),
		revpos: z.number().int().optional()
	})
]);

const payloads = {
	en_route: z.object({}).strict(),
	on_site: z.object({}).strict(),
	note: z
		.object({ text: z.string().trim().min(1).max(4000), visibility: z.enum(['internal', 'public']) })
		.strict(),
	photo: z
		.object({
			attachment: attachmentName,
			kind: z.enum(['before', 'progress', 'after']),
			caption: z.string().max(500).optional(),
			lat: latitude.optional(),
			long: longitude.optional(),
			taken_at: isoDateTime.optional()
		})
		.strict(),
	close: z
		.object({
			resolution_code: slug,
			public_note: z.string().trim().max(4000).optional(),
			/** Attachment name of the "after" photo on this same action. */
			after_photo: attachmentName.optional()
		})
		.strict(),
	reroute: z
		.object({
			to: z.discriminatedUnion('kind', [
				z.object({ kind: z.literal('crew'), crew: slug }).strict(),
				z.object({ kind: z.literal('department'), department: slug }).strict()
			]),
			reason: reasonText
		})
		.strict(),
	duplicate: z
		.object({
			of: z.string().min(1).max(64),
			/** Internal note (why it is the same problem). */
			note: z.string().max(1000).optional(),
			/** What the reporter is told (the parent's closing note when the parent's close closes it). */
			public_note: z.string().trim().max(4000).optional()
		})
		.strict(),
	position: z
		.object({ lat: latitude, long: longitude, accuracy_m: z.number().nonnegative().optional() })
		.strict(),
	// Supervisor actions go through the same reducer (issue 06).
	assign: z.object({ crew: slug }).strict(),
	unassign: z.object({ reason: reasonText.optional() }).strict(),
	set_priority: z.object({ priority: prioritySchema }).strict(),
	/** Another department's queue: the crew (of the old department) lets go of it. */
	set_department: z.object({ department: slug, reason: reasonText.optional() }).strict(),
	/** Re-categorised; a type of another department moves the order to that department's queue. */
	set_service_type: z.object({ service_code: slug, reason: reasonText.optional() }).strict()
} as const;

export type ActionType = keyof typeof payloads;
export const ACTION_TYPES = Object.keys(payloads) as ActionType[];
/** Actions a crew's tablet may write; the rest are supervisors'. */
export const FIELD_ACTION_TYPES = [
	'en_route',
	'on_site',
	'note',
	'photo',
	'close',
	'reroute',
	'duplicate',
	'position'
] as const satisfies readonly ActionType[];

const base = {
	_id: z.string().min(1),
	_rev: z.string().optional(),
	type: z.literal('field_action'),
	id: actionIdSchema,
	/** The order acted on; null only for `position`. */
	order_id: z.string().min(1).max(64).nullable(),
	crew: slug.nullable(),
	author: z.string().min(1).max(64),
	device_time: isoDateTime,
	/** The order revision the device saw when it acted (null when it had none). */
	base_rev: z.string().nullable(),
	_attachments: z.record(attachmentName, attachmentSchema).optional()
};

function variant<T extends ActionType>(action: T) {
	return z.object({ ...base, action: z.literal(action), payload: payloads[action] });
}

export const fieldActionSchema = z
	.discriminatedUnion('action', [
		variant('en_route'),
		variant('on_site'),
		variant('note'),
		variant('photo'),
		variant('close'),
		variant('reroute'),
		variant('duplicate'),
		variant('position'),
		variant('assign'),
		variant('unassign'),
		variant('set_priority'),
		variant('set_department'),
		variant('set_service_type')
	])
	.refine((a) => a._id === actionDocId(a.id), { message: '_id must be "action:<id>"', path: ['_id'] })
	.refine((a) => (a.action === 'position') === (a.order_id === null), {
		message: 'order_id is required (and only position actions have none)',
		path: ['order_id']
	})
	.refine((a) => a.action !== 'photo' || a._attachments?.[a.payload.attachment] !== undefined, {
		message: 'a photo action carries its photo as an attachment of the same name',
		path: ['_attachments']
	})
	.refine(
		(a) =>
			a.action !== 'close' ||
			a.payload.after_photo === undefined ||
			a._attachments?.[a.payload.after_photo] !== undefined,
		{ message: 'the after photo must be attached to the close action', path: ['_attachments'] }
	);
export type FieldAction = z.infer<typeof fieldActionSchema>;
export type FieldActionOf<T extends ActionType> = Extract<FieldAction, { action: T }>;

export const actionDocId = (id: string) => `action:${id}`;

/** Actions supervisors take through the server API (dispatch.ts); a tablet never writes them. */
export const SUPERVISOR_ACTION_TYPES = ['assign', 'unassign', 'set_priority', 'set_department', 'set_service_type', 'note'] as const satisfies readonly ActionType[];

const command = <T extends (typeof SUPERVISOR_ACTION_TYPES)[number]>(action: T) =>
	z.object({ action: z.literal(action), payload: payloads[action] }).strict();

/** A supervisor's request body, {action, payload}: the same payload rules as the action documents. */
export const supervisorActionSchema = z.discriminatedUnion('action', [
	command('assign'),
	command('unassign'),
	command('set_priority'),
	command('set_department'),
	command('set_service_type'),
	command('note')
]);
export type SupervisorAction = z.infer<typeof supervisorActionSchema>;
