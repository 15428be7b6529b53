/**
 * What a tablet may write through the gateway (DESIGN.md point 3: field changes are append-only action
 * documents). Pure: no I/O — whether an id already exists in the store is checked by gateway.ts.
 *
 * Every document must be a NEW `action:<uuid>` document, valid per `fieldActionSchema`, of a field action
 * type, written by the signed-in crew member for their own crew; photos inline, at most
 * MAX_ATTACHMENT_BYTES each, and really the JPEG/PNG/WebP they claim to be.
 */
import {
	FIELD_ACTION_TYPES,
	MAX_ATTACHMENT_BYTES,
	PHOTO_CONTENT_TYPES,
	fieldActionSchema,
	type FieldAction
} from '../../domain';
import { BadRequestError, ForbiddenError, PayloadTooLargeError, describeZodError } from '../errors';
import { SNIFF_BYTES, sniffPhotoType } from '../../domain/photo-sniff';

/** Largest write body (a batch of actions with their photos, base64): 16 MB. */
export const MAX_SYNC_BODY_BYTES = 16 * 1024 * 1024;
/** Most documents in one _bulk_docs (PouchDB pushes 100 per batch by default). */
export const MAX_DOCS_PER_WRITE = 1000;

const ACTION_ID_PREFIX = 'action:';
const REV_PARTS_RE = /^([0-9]{1,10})-([0-9a-zA-Z]{1,64})$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_QUANTUM_CHARS = 4; // 4 base64 characters encode 3 bytes
const BASE64_QUANTUM_BYTES = 3;

/** The signed-in crew member a write is checked against. */
export interface SyncWriter {
	id: string;
	crew: string;
}

/** A document that passed every rule, as it will be sent to the store. */
export interface VettedAction {
	id: string;
	/** The revision the tablet made (replication, new_edits=false); null for a plain new document. */
	rev: string | null;
	doc: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const FIELD_TYPES: readonly string[] = FIELD_ACTION_TYPES;

/** Checks `_rev` / `_revisions`: an action has exactly one revision, generation 1 (append-only). */
function vetRevision(raw: Record<string, unknown>, id: string, newEdits: boolean): { rev: string | null; revisions: unknown } {
	const rawRev = raw._rev;
	let rev: string | null = null;
	if (rawRev !== undefined) {
		const m = typeof rawRev === 'string' ? REV_PARTS_RE.exec(rawRev) : null;
		if (!m) throw new BadRequestError(`${id}: _rev is not a revision id`);
		if (Number(m[1]) !== 1) throw new ForbiddenError(`actions are append-only: ${id} revision ${rawRev} is not a first revision`);
		// With new_edits (the default) a _rev names the revision being edited: an edit, never allowed.
		if (newEdits) throw new ForbiddenError(`actions are append-only: ${id} has a _rev, which would edit it`);
		rev = rawRev as string;
	} else if (!newEdits) {
		throw new BadRequestError(`${id}: with new_edits=false every document needs its _rev`);
	}
	const revisions = raw._revisions;
	if (revisions === undefined || newEdits) return { rev, revisions: undefined };
	if (!isRecord(revisions) || typeof revisions.start !== 'number' || !Array.isArray(revisions.ids)) {
		throw new BadRequestError(`${id}: _revisions must be {start, ids}`);
	}
	if (revisions.start !== 1) throw new ForbiddenError(`actions are append-only: ${id} has ${String(revisions.start)} revisions`);
	if (revisions.ids.length !== 1 || revisions.ids[0] !== rev!.slice(rev!.indexOf('-') + 1)) {
		throw new BadRequestError(`${id}: _revisions does not match _rev`);
	}
	return { rev, revisions };
}

function decodedBase64Bytes(data: string): number {
	const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
	return (data.length / BASE64_QUANTUM_CHARS) * BASE64_QUANTUM_BYTES - padding;
}

const PHOTO_TYPES: readonly unknown[] = PHOTO_CONTENT_TYPES;

/** A clearer 400 than the schema's "Invalid input" for the commonest mistake: a type that is not a photo's. */
function assertPhotoTypes(raw: unknown, id: string): void {
	if (!isRecord(raw)) return;
	for (const [name, att] of Object.entries(raw)) {
		if (isRecord(att) && !PHOTO_TYPES.includes(att.content_type)) {
			throw new BadRequestError(`${id}: attachment ${name} has content_type ${String(att.content_type)}; photos are ${PHOTO_CONTENT_TYPES.join(', ')}`);
		}
	}
}

/** Inline photos only: each within MAX_ATTACHMENT_BYTES and really of its declared type. */
function vetAttachments(raw: unknown, id: string): Record<string, Record<string, unknown>> | undefined {
	if (raw === undefined) return undefined;
	if (!isRecord(raw)) throw new BadRequestError(`${id}: _attachments must be an object`);
	const out: Record<string, Record<string, unknown>> = {};
	for (const [name, att] of Object.entries(raw)) {
		if (!isRecord(att) || typeof att.data !== 'string') {
			throw new BadRequestError(`${id}: attachment ${name} must carry its data inline (base64); a new action has no stored attachments`);
		}
		const data = att.data;
		if (data.length % BASE64_QUANTUM_CHARS !== 0 || !BASE64_RE.test(data)) {
			throw new BadRequestError(`${id}: attachment ${name} is not valid base64`);
		}
		const size = decodedBase64Bytes(data);
		if (size > MAX_ATTACHMENT_BYTES) {
			throw new PayloadTooLargeError(`${id}: attachment ${name} is ${size} bytes; a photo may be at most ${MAX_ATTACHMENT_BYTES} bytes`);
		}
		// The magic numbers sit in the first bytes: decode only the base64 quanta that hold them.
		const head = data.slice(0, Math.ceil(SNIFF_BYTES / BASE64_QUANTUM_BYTES) * BASE64_QUANTUM_CHARS);
		const sniffed = sniffPhotoType(new Uint8Array(Buffer.from(head, 'base64')));
		if (sniffed === null) throw new BadRequestError(`${id}: attachment ${name} is not a JPEG, PNG or WebP image`);
		if (sniffed !== att.content_type) {
			throw new BadRequestError(`${id}: attachment ${name} is declared ${String(att.content_type)} but its bytes are ${sniffed}`);
		}
		// Forward only what the protocol needs; `follows`, `encoding`, `stub` and the like never reach the store.
		out[name] = {
			content_type: att.content_type,
			data,
			...(typeof att.digest === 'string' ? { digest: att.digest } : {}),
			...(typeof att.revpos === 'number' ? { revpos: att.revpos } : {})
		};
	}
	return out;
}

/** One document of a write; throws the AppError (400/403/413) that refuses the whole request. */
export function vetActionDoc(raw: unknown, writer: SyncWriter, newEdits: boolean): VettedAction {
	if (!isRecord(raw)) throw new BadRequestError('each document must be a JSON object');
	const id = raw._id;
	if (typeof id !== 'string' || id.length === 0) throw new BadRequestError('every document needs its _id (action:<uuid>)');
	if (!id.startsWith(ACTION_ID_PREFIX)) {
		throw new ForbiddenError(`order documents are read-only to tablets: ${id} is not a new action document (action:<uuid>)`);
	}
	if (raw._deleted === true) throw new ForbiddenError(`actions are append-only: ${id} cannot be deleted`);
	const { rev, revisions } = vetRevision(raw, id, newEdits);

	assertPhotoTypes(raw._attachments, id);
	const parsed = fieldActionSchema.safeParse(raw);
	if (!parsed.success) throw new BadRequestError(`${id}: ${describeZodError(parsed.error)}`);
	const action: FieldAction = parsed.data;
	if (!FIELD_TYPES.includes(action.action)) {
		throw new BadRequestError(`${id}: ${action.action} is not an action a tablet may write (${FIELD_ACTION_TYPES.join(', ')})`);
	}
	if (action.author !== writer.id) throw new ForbiddenError(`forged author: ${id} says it is by ${action.author}, but ${writer.id} is signed in`);
	if (action.crew !== writer.crew) throw new ForbiddenError(`wrong crew: ${id} is for crew ${String(action.crew)}, but ${writer.id} is in ${writer.crew}`);
	const attachments = vetAttachments(raw._attachments, id);

	// The parsed content (unknown top-level keys dropped) with the replication fields as the tablet sent them.
	const { _attachments: _parsedAttachments, _rev: _parsedRev, ...content } = action;
	void _parsedAttachments;
	void _parsedRev;
	const doc: Record<string, unknown> = {
		...content,
		...(rev !== null ? { _rev: rev } : {}),
		...(revisions !== undefined ? { _revisions: revisions } : {}),
		...(attachments !== undefined ? { _attachments: attachments } : {})
	};
	return { id, rev, doc };
}

/** A _bulk_docs body: every document vetted; any bad one refuses the whole request (never half a batch). */
export function vetBulkDocs(body: unknown, writer: SyncWriter): { docs: VettedAction[]; newEdits: boolean } {
	if (!isRecord(body) || !Array.isArray(body.docs)) throw new BadRequestError('send {"docs": [...]}');
	if (body.new_edits !== undefined && typeof body.new_edits !== 'boolean') throw new BadRequestError('new_edits must be true or false');
	if (body.docs.length > MAX_DOCS_PER_WRITE) throw new BadRequestError(`at most ${MAX_DOCS_PER_WRITE} documents per request`);
	const newEdits = body.new_edits !== false;
	const docs = body.docs.map((d) => vetActionDoc(d, writer, newEdits));
	const seen = new Set<string>();
	for (const { id } of docs) {
		if (seen.has(id)) throw new BadRequestError(`${id} appears twice in one request`);
		seen.add(id);
	}
	return { docs, newEdits };
}
