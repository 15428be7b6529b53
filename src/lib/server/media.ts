/**
 * Public media (issue 07): residents' report photos and the public copies of closing photos. Everything
 * public is re-encoded by sharp: turned upright from its EXIF orientation, scaled to at most
 * PUBLIC_PHOTO_MAX_PX and written as a JPEG without any metadata — no GPS, device or time tags leave the city.
 * Copies live in the `media` database (made once; a closing photo's copy on its first request).
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { actionDocId, sniffPhotoType, workOrderDocId, workOrderSchema } from '../domain';
import { BadRequestError, NotFoundError, PayloadTooLargeError } from './errors';
import { isConflict, type CouchClient } from './store/couch-client';
import { ACTIONS_DB, MEDIA_DB, ORDERS_DB } from './store/schema';

export const PUBLIC_PHOTO_MAX_PX = 1600; // longest side of a public photo
const JPEG_QUALITY = 82;
const MAX_INPUT_PIXELS = 50_000_000; // refuse decompression bombs (50 megapixels)
const MEDIA_FILE = 'file';
const UPLOAD_ID_BYTES = 12;

export interface PublicImage {
	contentType: 'image/jpeg';
	bytes: Uint8Array;
}

/** Any photo as its public copy: upright, scaled, JPEG, no metadata. Unreadable images are a 400. */
export async function toPublicJpeg(bytes: Uint8Array): Promise<{ bytes: Uint8Array; width: number; height: number }> {
	try {
		const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
			.rotate()
			.resize({ width: PUBLIC_PHOTO_MAX_PX, height: PUBLIC_PHOTO_MAX_PX, fit: 'inside', withoutEnlargement: true })
			.jpeg({ quality: JPEG_QUALITY, mozjpeg: true })
			.toBuffer({ resolveWithObject: true });
		return { bytes: new Uint8Array(data), width: info.width, height: info.height };
	} catch (e) {
		throw new BadRequestError(`the photo could not be read as an image (${e instanceof Error ? e.message : 'unknown error'})`);
	}
}

interface MediaDoc {
	_id: string;
	type: 'media';
	kind: 'upload' | 'closing';
	created_at: string;
	width: number;
	height: number;
	_attachments: Record<string, { content_type: string; data: string }>;
}

const mediaDocId = (key: string) => `media:${key}`;

async function putMedia(store: CouchClient, key: string, kind: MediaDoc['kind'], image: { bytes: Uint8Array; width: number; height: number }, now: Date): Promise<void> {
	const doc: MediaDoc = {
		_id: mediaDocId(key),
		type: 'media',
		kind,
		created_at: now.toISOString(),
		width: image.width,
		height: image.height,
		_attachments: { [MEDIA_FILE]: { content_type: 'image/jpeg', data: Buffer.from(image.bytes).toString('base64') } }
	};
	try {
		await store.db(MEDIA_DB).put(doc);
	} catch (e) {
		if (!isConflict(e)) throw e; // made meanwhile by another request (the same bytes)
	}
}

async function readMedia(store: CouchClient, key: string): Promise<PublicImage | null> {
	const file = await store.db(MEDIA_DB).attachment(mediaDocId(key), MEDIA_FILE);
	return file ? { contentType: 'image/jpeg', bytes: file.bytes } : null;
}

/** Checks a resident's photo (size, real type) and stores its public copy; answers the path it is served at. */
export async function storeUpload(store: CouchClient, bytes: Uint8Array, maxBytes: number, now = new Date()): Promise<string> {
	if (bytes.byteLength === 0) throw new BadRequestError('the photo is empty');
	if (bytes.byteLength > maxBytes) throw new PayloadTooLargeError(`the photo is larger than ${Math.round(maxBytes / (1024 * 1024))} MB`);
	if (!sniffPhotoType(bytes)) throw new BadRequestError('the photo must be a JPEG, PNG or WebP image');
	const image = await toPublicJpeg(bytes);
	const id = `r${now.getTime().toString(36)}${randomBytes(UPLOAD_ID_BYTES).toString('hex')}`;
	await putMedia(store, id, 'upload', image, now);
	return `/media/uploads/${id}.jpg`;
}

export async function getUpload(store: CouchClient, id: string): Promise<PublicImage> {
	const image = /^[a-z0-9]{1,80}$/.test(id) ? await readMedia(store, id) : null;
	if (!image) throw new NotFoundError('No such photo');
	return image;
}

/**
 * The public copy of an order's closing photo. Only a photo the order marks public (the "after" photo of an
 * applied close) is ever served; its copy is made on the first request.
 */
export async function getClosingPhoto(store: CouchClient, actionId: string, name: string, now = new Date()): Promise<PublicImage> {
	if (!/^[A-Za-z0-9-]{1,64}$/.test(actionId) || !/^[A-Za-z0-9._-]{1,100}$/.test(name)) throw new NotFoundError('No such photo');
	const key = `closing-${actionId}-${name}`;
	const cached = await readMedia(store, key);
	if (cached) return cached;
	const action = await store.db(ACTIONS_DB).getOrNull<{ order_id?: unknown }>(actionDocId(actionId));
	if (!action || typeof action.order_id !== 'string') throw new NotFoundError('No such photo');
	const raw = await store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(action.order_id));
	const order = raw ? workOrderSchema.safeParse(raw) : null;
	const isPublic = order?.success && order.data.photos.some((p) => p.public && p.action_id === actionId && p.attachment === name);
	if (!isPublic) throw new NotFoundError('No such photo');
	const original = await store.db(ACTIONS_DB).attachment(actionDocId(actionId), name);
	if (!original) throw new NotFoundError('No such photo');
	const image = await toPublicJpeg(original.bytes);
	await putMedia(store, key, 'closing', image, now);
	return { contentType: 'image/jpeg', bytes: image.bytes };
}

