/**
 * Recording what a crew did (DESIGN.md point 3): an append-only action document in the local database, which
 * the live push replication then sends through the gateway. Everything the gateway would refuse is refused
 * HERE, before writing: a document the gateway refuses blocks every later one in the push queue, and an
 * action is never edited after it is written (the gateway accepts first revisions only).
 */
import { format } from 'date-fns';
import {
	actionDocId,
	FIELD_ACTION_TYPES,
	fieldActionSchema,
	MAX_ATTACHMENT_BYTES,
	PHOTO_CONTENT_TYPES,
	SNIFF_BYTES,
	sniffPhotoType,
	type FieldAction,
	type PhotoContentType,
	type FieldActionOf,
	type SessionUser
} from '../domain';
import { InvalidActionError, StorageFullError, isQuotaExceeded } from './errors';

export type TabletActionType = (typeof FIELD_ACTION_TYPES)[number];

/** A photo to attach: a Blob (browser; stored as is) or bytes (Node, tests; stored as base64). */
export interface PhotoInput {
	content_type: PhotoContentType;
	data: Blob | Uint8Array;
}

/** What recordAction needs of the order acted on: its id and the master revision the tablet saw. */
export type OrderRef = { service_request_id: string; source_rev?: string | null };

export type RecordActionInput = {
	[T in TabletActionType]: {
		user: Pick<SessionUser, 'id' | 'role' | 'crew'>;
		/** The order acted on; null for `position`. */
		order: T extends 'position' ? null : OrderRef;
		action: T;
		payload: FieldActionOf<T>['payload'];
		/** At most one photo: the one the payload names (photo.attachment, close.after_photo). */
		attachments?: Readonly<Record<string, PhotoInput>>;
	};
}[TabletActionType];

/** The part of a PouchDB database recordAction uses (tests inject failing ones). */
export interface ActionWriter {
	put(doc: Record<string, unknown> & { _id: string }): Promise<{ ok: boolean; id: string; rev: string }>;
}

export interface RecordActionOptions {
	now?: () => Date;
	randomUUID?: () => string;
}

// ---------- device time ----------

/** ISO 8601 with milliseconds and the device's UTC offset, e.g. 2024-05-01T10:32:05.123-07:00 (never "Z" only). */
export function formatDeviceTime(date: Date): string {
	// `xxx` is ±HH:MM (also +00:00), which z.iso.datetime({ offset: true }) accepts; `xx` (±HHMM) it would not.
	return format(date, "yyyy-MM-dd'T'HH:mm:ss.SSSxxx");
}

/**
 * The reducer folds a tablet's actions in device-time order, so two actions recorded in one millisecond, or
 * across a small clock correction (NTP stepping back), must keep the order they were recorded in. A larger
 * step back is a real clock fix: the true time is used then.
 */
export const MAX_CLOCK_STEP_BACK_MS = 60 * 1000; // 1 minute

export function monotonicDeviceTimeMs(nowMs: number, lastMs: number | undefined): number {
	if (lastMs === undefined || nowMs > lastMs || lastMs - nowMs > MAX_CLOCK_STEP_BACK_MS) return nowMs;
	return lastMs + 1;
}

/** Per database, this session's last device time (a reload starts afresh: see docs/sync-client.md). */
const lastDeviceTime = new WeakMap<object, number>();

// ---------- photos ----------

/** Bytes enough to tell JPEG, PNG and WebP apart. */
/** Re-exported for callers of this module; the rule itself is the gateway's (domain/photo-sniff.ts). */
export { sniffPhotoType };
export type { PhotoContentType };
export const PHOTO_SNIFF_BYTES = SNIFF_BYTES;

/** The image type from its first bytes (the gateway checks the same magic numbers), or null. */

const BASE64_CHUNK = 0x8000; // bytes per String.fromCharCode call (argument count limits)

/** Base64 without Node's Buffer (this module is bundled for the browser). */
export function bytesToBase64(bytes: Uint8Array): string {
	let binary = '';
	for (let i = 0; i < bytes.length; i += BASE64_CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + BASE64_CHUNK));
	return btoa(binary);
}

const sizeOf = (data: Blob | Uint8Array) => (data instanceof Uint8Array ? data.byteLength : data.size);

async function headOf(data: Blob | Uint8Array): Promise<Uint8Array> {
	if (data instanceof Uint8Array) return data.subarray(0, PHOTO_SNIFF_BYTES);
	return new Uint8Array(await data.slice(0, PHOTO_SNIFF_BYTES).arrayBuffer());
}

/** The attachment name the payload refers to, if any. */
function referencedPhoto(input: RecordActionInput): string | undefined {
	if (input.action === 'photo') return input.payload.attachment;
	if (input.action === 'close') return input.payload.after_photo;
	return undefined;
}

async function checkPhotos(input: RecordActionInput): Promise<void> {
	const entries = Object.entries(input.attachments ?? {});
	const named = referencedPhoto(input);
	for (const [name, photo] of entries) {
		if (name !== named) {
			throw new InvalidActionError(`attachment "${name}" is not the photo this ${input.action} action names (one photo per action)`);
		}
		const data: unknown = photo.data;
		if (!(data instanceof Uint8Array) && !(typeof Blob !== 'undefined' && data instanceof Blob)) {
			throw new InvalidActionError(`photo "${name}" must be a Blob or bytes`);
		}
		if (!(PHOTO_CONTENT_TYPES as readonly string[]).includes(photo.content_type)) {
			throw new InvalidActionError(`photo "${name}" is ${String(photo.content_type)}; photos are ${PHOTO_CONTENT_TYPES.join(', ')}`);
		}
		const size = sizeOf(photo.data);
		if (size === 0) throw new InvalidActionError(`photo "${name}" is empty`);
		if (size > MAX_ATTACHMENT_BYTES) {
			throw new InvalidActionError(`photo "${name}" is ${size} bytes; a photo may be at most ${MAX_ATTACHMENT_BYTES} bytes (resize it first)`);
		}
		const sniffed = sniffPhotoType(await headOf(photo.data));
		if (sniffed !== photo.content_type) {
			throw new InvalidActionError(`photo "${name}" is declared ${photo.content_type} but its bytes are ${sniffed ?? 'not a JPEG, PNG or WebP image'}`);
		}
	}
}

// ---------- recordAction ----------

/**
 * Validates and writes one action document; resolves with the saved action. Throws InvalidActionError
 * (nothing written) for input the server would refuse, StorageFullError when the device is out of storage
 * (nothing written, nothing earlier lost).
 */
export async function recordAction(db: ActionWriter, input: RecordActionInput, options: RecordActionOptions = {}): Promise<FieldAction> {
	const { user } = input;
	if (user.role !== 'crew' || !user.crew) throw new InvalidActionError('only a signed-in crew member records field actions');
	if (!(FIELD_ACTION_TYPES as readonly string[]).includes(input.action)) {
		throw new InvalidActionError(`${String(input.action)} is not an action a tablet records (${FIELD_ACTION_TYPES.join(', ')})`);
	}
	if ((input.action === 'position') !== (input.order === null)) {
		throw new InvalidActionError(input.action === 'position' ? 'a position action belongs to no order' : `a ${input.action} action needs its order`);
	}
	await checkPhotos(input);

	const nowMs = (options.now ?? (() => new Date()))().getTime();
	const timeMs = monotonicDeviceTimeMs(nowMs, lastDeviceTime.get(db));
	const id = (options.randomUUID ?? (() => crypto.randomUUID()))();
	const attachments = input.attachments && Object.keys(input.attachments).length > 0 ? input.attachments : undefined;
	const raw = {
		_id: actionDocId(id),
		type: 'field_action',
		id,
		action: input.action,
		order_id: input.order?.service_request_id ?? null,
		crew: user.crew,
		author: user.id,
		device_time: formatDeviceTime(new Date(timeMs)),
		base_rev: input.order?.source_rev ?? null,
		payload: input.payload,
		...(attachments ? { _attachments: attachments } : {})
	};
	const parsed = fieldActionSchema.safeParse(raw);
	if (!parsed.success) {
		throw new InvalidActionError(
			'the action is not valid',
			parsed.error.issues.map((i) => `${i.path.join('.') || '(action)'}: ${i.message}`)
		);
	}

	// Blobs are stored as they are (IndexedDB keeps them natively); bytes as base64, which every adapter takes.
	const stored: Record<string, { content_type: string; data: Blob | string }> = {};
	for (const [name, photo] of Object.entries(attachments ?? {})) {
		stored[name] = { content_type: photo.content_type, data: photo.data instanceof Uint8Array ? bytesToBase64(photo.data) : photo.data };
	}
	const { _attachments: _validated, ...body } = parsed.data;
	void _validated;
	let rev: string;
	try {
		rev = (await db.put({ ...body, ...(attachments ? { _attachments: stored } : {}) })).rev;
	} catch (e) {
		if (isQuotaExceeded(e)) throw new StorageFullError({ cause: e });
		throw e;
	}
	lastDeviceTime.set(db, timeMs);
	return { ...parsed.data, _rev: rev };
}
