import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldActionSchema, MAX_ATTACHMENT_BYTES } from '../../../src/lib/domain';
import { InvalidActionError, StorageFullError } from '../../../src/lib/sync/errors';
import { openLocalDb, type LocalDb, type PouchStatic } from '../../../src/lib/sync/local-db';
import {
	bytesToBase64,
	formatDeviceTime,
	MAX_CLOCK_STEP_BACK_MS,
	monotonicDeviceTimeMs,
	recordAction,
	sniffPhotoType,
	type ActionWriter,
	type RecordActionInput
} from '../../../src/lib/sync/record-action';
import { CREW_A, ORDER_ID, uuid } from '../domain/fixtures';
import { CREW_USER, JPEG_BYTES, PNG_BYTES, SOURCE_REV, SUPERVISOR_USER, tempPouch, WEBP_BYTES } from './fixtures';

const offsetDateTime = z.iso.datetime({ offset: true });
const ORDER = { service_request_id: ORDER_ID, source_rev: SOURCE_REV };
const FIXED_NOW = new Date('2024-05-01T15:32:05.123Z');

/** A writer that remembers what it was asked to write. */
function memoryWriter(): ActionWriter & { docs: Record<string, unknown>[] } {
	const docs: Record<string, unknown>[] = [];
	let seq = 0;
	return {
		docs,
		put: async (doc) => {
			docs.push(doc);
			return { ok: true, id: doc._id, rev: `1-${++seq}` };
		}
	};
}

const failingWriter = (e: unknown): ActionWriter & { calls: number } => {
	const w = {
		calls: 0,
		put: async () => {
			w.calls++;
			throw e;
		}
	};
	return w;
};

let n = 0;
const opts = () => ({ now: () => FIXED_NOW, randomUUID: () => uuid(++n) });

/** Input that bypasses the compile-time types, as a buggy or hostile caller could. */
const untyped = (input: Record<string, unknown>) => input as unknown as RecordActionInput;

describe('recordAction: the document it writes', () => {
	it('writes a schema-valid action with the id, author, crew, device time and base revision', async () => {
		const db = memoryWriter();
		const saved = await recordAction(db, { user: CREW_USER, order: ORDER, action: 'close', payload: { resolution_code: 'repaired', public_note: 'Filled' } }, opts());
		expect(db.docs).toHaveLength(1);
		const doc = db.docs[0]!;
		expect(fieldActionSchema.parse(doc)).toMatchObject({
			_id: `action:${saved.id}`,
			type: 'field_action',
			id: saved.id,
			action: 'close',
			order_id: ORDER_ID,
			crew: CREW_A,
			author: CREW_USER.id,
			base_rev: SOURCE_REV,
			payload: { resolution_code: 'repaired', public_note: 'Filled' }
		});
		expect(z.uuid().parse(saved.id)).toBe(saved.id);
		expect(Date.parse(saved.device_time)).toBe(FIXED_NOW.getTime());
		expect(saved._rev).toBe('1-1');
		expect(doc).not.toHaveProperty('_rev'); // a new document: the gateway refuses edits
	});

	it('uses crypto.randomUUID by default', async () => {
		const saved = await recordAction(memoryWriter(), { user: CREW_USER, order: ORDER, action: 'en_route', payload: {} });
		expect(z.uuid().safeParse(saved.id).success).toBe(true);
	});

	it('base_rev is null when the order copy has no source_rev', async () => {
		const saved = await recordAction(memoryWriter(), { user: CREW_USER, order: { service_request_id: ORDER_ID }, action: 'on_site', payload: {} }, opts());
		expect(saved.base_rev).toBeNull();
	});

	it('a position action has no order', async () => {
		const saved = await recordAction(memoryWriter(), { user: CREW_USER, order: null, action: 'position', payload: { lat: 37.79, long: -122.39, accuracy_m: 8 } }, opts());
		expect(saved).toMatchObject({ order_id: null, action: 'position', crew: CREW_A });
	});
});

describe('recordAction: invalid input writes nothing', () => {
	const cases: [string, RecordActionInput, RegExp][] = [
		['a bad resolution code', untyped({ user: CREW_USER, order: ORDER, action: 'close', payload: { resolution_code: 'Not A Slug!' } }), /payload\.resolution_code/],
		['an unknown payload field', untyped({ user: CREW_USER, order: ORDER, action: 'note', payload: { text: 'hi', visibility: 'internal', extra: 1 } }), /payload/],
		['an empty note', untyped({ user: CREW_USER, order: ORDER, action: 'note', payload: { text: '   ', visibility: 'internal' } }), /payload\.text/],
		['a reroute without a reason', untyped({ user: CREW_USER, order: ORDER, action: 'reroute', payload: { to: { kind: 'crew', crew: 'crew-b' }, reason: '' } }), /reason/],
		['a supervisor', untyped({ user: SUPERVISOR_USER, order: ORDER, action: 'note', payload: { text: 'hi', visibility: 'internal' } }), /crew member/],
		['a supervisor action', untyped({ user: CREW_USER, order: ORDER, action: 'assign', payload: { crew: CREW_A } }), /not an action a tablet records/],
		['a position with an order', untyped({ user: CREW_USER, order: ORDER, action: 'position', payload: { lat: 1, long: 2 } }), /belongs to no order/],
		['a close without its order', untyped({ user: CREW_USER, order: null, action: 'close', payload: { resolution_code: 'repaired' } }), /needs its order/],
		['a position off the globe', untyped({ user: CREW_USER, order: null, action: 'position', payload: { lat: 91, long: 2 } }), /payload\.lat/],
		['an order id too long', untyped({ user: CREW_USER, order: { service_request_id: 'x'.repeat(65) }, action: 'en_route', payload: {} }), /order_id/]
	];

	it.each(cases)('%s', async (_label, input, message) => {
		const db = memoryWriter();
		const err = await recordAction(db, input, opts()).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(InvalidActionError);
		expect((err as Error).message).toMatch(message);
		expect(db.docs).toEqual([]);
	});
});

describe('recordAction: photos', () => {
	const photoInput = (data: Uint8Array | Blob, content_type: 'image/jpeg' | 'image/png' | 'image/webp' = 'image/jpeg'): RecordActionInput => ({
		user: CREW_USER,
		order: ORDER,
		action: 'photo',
		payload: { attachment: 'before.jpg', kind: 'before' },
		attachments: { 'before.jpg': { content_type, data } }
	});

	it('stores bytes as base64 and a Blob as is', async () => {
		const db = memoryWriter();
		await recordAction(db, photoInput(JPEG_BYTES), opts());
		await recordAction(db, photoInput(new Blob([PNG_BYTES]), 'image/png'), opts());
		const [bytesDoc, blobDoc] = db.docs as { _attachments: Record<string, { content_type: string; data: unknown }> }[];
		expect(bytesDoc!._attachments['before.jpg']).toEqual({ content_type: 'image/jpeg', data: bytesToBase64(JPEG_BYTES) });
		expect(blobDoc!._attachments['before.jpg']!.data).toBeInstanceOf(Blob);
	});

	it.each([
		['the wrong type for its bytes', photoInput(PNG_BYTES, 'image/jpeg'), /declared image\/jpeg but its bytes are image\/png/],
		['not an image', photoInput(new TextEncoder().encode('<html>hello</html>')), /not a JPEG, PNG or WebP/],
		['too large', photoInput(new Uint8Array(MAX_ATTACHMENT_BYTES + 1).fill(0xff)), /at most 2097152 bytes/],
		['empty', photoInput(new Uint8Array(0)), /empty/],
		['a photo the payload does not name', { ...photoInput(JPEG_BYTES), attachments: { 'other.jpg': { content_type: 'image/jpeg', data: JPEG_BYTES } } } as RecordActionInput, /not the photo this photo action names/],
		['a photo action without its photo', { ...photoInput(JPEG_BYTES), attachments: {} } as RecordActionInput, /_attachments/],
		['a photo on a note', untyped({ user: CREW_USER, order: ORDER, action: 'note', payload: { text: 'x', visibility: 'internal' }, attachments: { 'a.jpg': { content_type: 'image/jpeg', data: JPEG_BYTES } } }), /one photo per action/],
		['a GIF', untyped({ ...photoInput(JPEG_BYTES), attachments: { 'before.jpg': { content_type: 'image/gif', data: JPEG_BYTES } } }), /photos are image\/jpeg/]
	])('refuses %s', async (_label, input, message) => {
		const db = memoryWriter();
		await expect(recordAction(db, input, opts())).rejects.toThrow(message);
		expect(db.docs).toEqual([]);
	});

	it('a close may carry its after photo', async () => {
		const db = memoryWriter();
		await recordAction(
			db,
			{ user: CREW_USER, order: ORDER, action: 'close', payload: { resolution_code: 'repaired', after_photo: 'after.webp' }, attachments: { 'after.webp': { content_type: 'image/webp', data: WEBP_BYTES } } },
			opts()
		);
		expect(db.docs).toHaveLength(1);
	});

	it('sniffs the three photo types and nothing else', () => {
		expect(sniffPhotoType(JPEG_BYTES)).toBe('image/jpeg');
		expect(sniffPhotoType(PNG_BYTES)).toBe('image/png');
		expect(sniffPhotoType(WEBP_BYTES)).toBe('image/webp');
		expect(sniffPhotoType(new Uint8Array([0x47, 0x49, 0x46, 0x38]))).toBeNull();
		expect(sniffPhotoType(new Uint8Array(0))).toBeNull();
	});

	it('base64 matches the platform encoder, also past one chunk', () => {
		const big = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
		expect(bytesToBase64(big)).toBe(Buffer.from(big).toString('base64'));
	});
});

describe('recordAction: storage full', () => {
	const input: RecordActionInput = { user: CREW_USER, order: ORDER, action: 'en_route', payload: {} };

	it.each([
		['the DOM error', new DOMException('The quota has been exceeded.', 'QuotaExceededError')],
		["PouchDB's idb wrapper", { status: 500, name: 'indexed_db_went_bad', message: 'unknown', reason: 'QuotaExceededError' }]
	])('becomes StorageFullError (%s)', async (_label, e) => {
		const db = failingWriter(e);
		const err = await recordAction(db, input, opts()).catch((x: unknown) => x);
		expect(err).toBeInstanceOf(StorageFullError);
		expect((err as StorageFullError).cause).toBe(e);
		expect((err as Error).message).toMatch(/storage is full/);
	});

	it('other write errors pass through unchanged', async () => {
		const boom = new Error('disk on fire');
		await expect(recordAction(failingWriter(boom), input, opts())).rejects.toBe(boom);
	});
});

describe('device time', () => {
	const savedTz = process.env.TZ;
	afterEach(() => {
		if (savedTz === undefined) delete process.env.TZ;
		else process.env.TZ = savedTz;
	});

	it.each([
		['UTC', '2024-05-01T15:32:05.123+00:00'],
		['America/Los_Angeles', '2024-05-01T08:32:05.123-07:00'],
		['Asia/Kolkata', '2024-05-01T21:02:05.123+05:30'],
		['Pacific/Chatham', '2024-05-02T04:17:05.123+12:45']
	])('is ISO 8601 with milliseconds and the UTC offset in %s', (tz, expected) => {
		process.env.TZ = tz;
		const text = formatDeviceTime(FIXED_NOW);
		expect(text).toBe(expected);
		expect(offsetDateTime.safeParse(text).success).toBe(true);
		expect(Date.parse(text)).toBe(FIXED_NOW.getTime());
	});

	it('keeps the order of actions recorded in the same millisecond or across a small clock step back', async () => {
		const db = memoryWriter();
		const first = await recordAction(db, { user: CREW_USER, order: ORDER, action: 'en_route', payload: {} }, opts());
		const second = await recordAction(db, { user: CREW_USER, order: ORDER, action: 'on_site', payload: {} }, opts());
		expect(Date.parse(second.device_time) - Date.parse(first.device_time)).toBe(1);
		expect(monotonicDeviceTimeMs(1000, 5000)).toBe(5001);
		expect(monotonicDeviceTimeMs(6000, 5000)).toBe(6000);
		// A big step back is a clock being fixed: the true time wins.
		expect(monotonicDeviceTimeMs(5000 - MAX_CLOCK_STEP_BACK_MS - 1, 5000)).toBe(5000 - MAX_CLOCK_STEP_BACK_MS - 1);
	});
});

describe('recordAction on a real PouchDB', () => {
	let PouchDB: PouchStatic;
	let cleanup: () => Promise<void>;
	let db: LocalDb;
	beforeAll(async () => {
		({ PouchDB, cleanup } = await tempPouch());
		db = openLocalDb(PouchDB, 'tablet');
	});
	afterAll(async () => {
		await db.close();
		await cleanup();
	});

	it('saves the photo bytes and nothing for an invalid action', async () => {
		const saved = await recordAction(
			db,
			{ user: CREW_USER, order: ORDER, action: 'photo', payload: { attachment: 'before.jpg', kind: 'before' }, attachments: { 'before.jpg': { content_type: 'image/jpeg', data: JPEG_BYTES } } },
			opts()
		);
		const bytes = await db.getAttachment(saved._id, 'before.jpg');
		expect(new Uint8Array(bytes as Buffer)).toEqual(JPEG_BYTES);
		const stub = await db.get(saved._id);
		expect(fieldActionSchema.parse(stub)._attachments?.['before.jpg']).toMatchObject({ content_type: 'image/jpeg', stub: true });

		await expect(recordAction(db, untyped({ user: CREW_USER, order: ORDER, action: 'note', payload: {} }), opts())).rejects.toThrow(InvalidActionError);
		expect((await db.allDocs()).total_rows).toBe(1);
	});
});
