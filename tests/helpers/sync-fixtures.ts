/**
 * Builders for the sync gateway tests: image bytes with real magic numbers and action documents as a tablet
 * writes them (valid per fieldActionSchema unless a test overrides a field).
 */
import { randomUUID } from 'node:crypto';
import { actionDocId } from '../../src/lib/domain';

/** A minimal JPEG: SOI, a JFIF APP0 segment, EOI. */
export function tinyJpeg(): Uint8Array {
	return new Uint8Array([
		0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9
	]);
}

/** The PNG signature and the start of an IHDR chunk. */
export function tinyPng(): Uint8Array {
	return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
}

/** A RIFF container of type WEBP with a VP8L chunk tag. */
export function tinyWebp(): Uint8Array {
	const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
	return new Uint8Array([...ascii('RIFF'), 0x1a, 0x00, 0x00, 0x00, ...ascii('WEBPVP8L'), 0x0d, 0x00, 0x00, 0x00]);
}

/** "GIF89a" and a logical screen descriptor: an image type the gateway does not take. */
export function tinyGif(): Uint8Array {
	return new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]);
}

/** `size` bytes that start like a JPEG (for size limits). */
export function jpegOfSize(size: number): Uint8Array {
	const bytes = new Uint8Array(size);
	bytes.set(tinyJpeg().subarray(0, 4));
	return bytes;
}

export const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export interface Author {
	id: string;
	crew: string;
}

/** A new note action by `author`; `overrides` replace top-level fields (the ids stay consistent). */
export function noteAction(author: Author, overrides: Record<string, unknown> = {}): Record<string, unknown> {
	const id = randomUUID();
	return {
		_id: actionDocId(id),
		type: 'field_action',
		id,
		action: 'note',
		order_id: 'order:gateway-test',
		crew: author.crew,
		author: author.id,
		device_time: new Date().toISOString(),
		base_rev: null,
		payload: { text: 'Swept the sidewalk; bags left for pick-up', visibility: 'internal' },
		...overrides
	};
}

/** A new photo action carrying `bytes` as its attachment, declared as `contentType`. */
export function photoAction(author: Author, bytes: Uint8Array, contentType = 'image/jpeg', name = 'before.jpg'): Record<string, unknown> {
	return noteAction(author, {
		action: 'photo',
		payload: { attachment: name, kind: 'before' },
		_attachments: { [name]: { content_type: contentType, data: base64(bytes) } }
	});
}
