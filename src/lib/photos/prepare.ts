/**
 * Preparing a camera photo for an action (issue 03): checked to be an image, decoded with its EXIF orientation
 * applied, downscaled to at most MAX_PHOTO_EDGE_PX on the long edge and re-encoded as JPEG of about
 * TARGET_PHOTO_BYTES, with a thumbnail; the EXIF GPS position and capture time are read first (re-encoding
 * drops EXIF, which also strips anything else the camera recorded). Runs in a worker (photo.worker.ts) and,
 * where workers or OffscreenCanvas are missing, on the main thread.
 */
import exifr from 'exifr';
import { format } from 'date-fns';
import { MAX_ATTACHMENT_BYTES } from '../domain/field-action';
import { sniffPhotoType, SNIFF_BYTES } from '../domain/photo-sniff';
import { NotAnImageError, PhotoTooLargeError } from './errors';

export const MAX_PHOTO_EDGE_PX = 1600;
export const TARGET_PHOTO_BYTES = 400 * 1024; // about 400 KB: quick to send on a weak signal
export const THUMBNAIL_EDGE_PX = 320;
export const MAX_INPUT_BYTES = 40 * 1024 * 1024; // 40 MB: larger files are not camera photos worth decoding
/** JPEG qualities tried in order until the photo fits TARGET_PHOTO_BYTES. */
export const QUALITY_LADDER = [0.85, 0.75, 0.65, 0.55, 0.45] as const;
/** If no quality fits, the size is reduced by this factor and the ladder tried again (at most SHRINK_STEPS times). */
export const SHRINK_FACTOR = 0.75;
export const SHRINK_STEPS = 2;
const THUMBNAIL_QUALITY = 0.7;

export interface PreparedPhoto {
	photo: Blob;
	width: number;
	height: number;
	bytes: number;
	thumbnail: Blob;
	lat?: number;
	long?: number;
	/** When the photo was taken (EXIF DateTimeOriginal, device time zone), ISO 8601 with offset. */
	taken_at?: string;
}

export interface PhotoMetadata {
	lat?: number;
	long?: number;
	taken_at?: string;
}

/** The size that fits within maxEdge on the long side, keeping the aspect ratio; never upscales. */
export function fitWithin(width: number, height: number, maxEdge: number): { width: number; height: number } {
	const long = Math.max(width, height);
	if (long <= maxEdge) return { width, height };
	const scale = maxEdge / long;
	return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * The first quality on the ladder whose JPEG fits `budget`; if none does, the smallest one when it stays under
 * `hardCap`; null when even that is too large (the caller shrinks or gives up).
 */
export async function encodeWithinBudget(encode: (quality: number) => Promise<Blob>, budget: number, hardCap: number): Promise<Blob | null> {
	let smallest: Blob | null = null;
	for (const quality of QUALITY_LADDER) {
		const blob = await encode(quality);
		if (blob.size <= budget) return blob;
		if (!smallest || blob.size < smallest.size) smallest = blob;
	}
	return smallest && smallest.size <= hardCap ? smallest : null;
}

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** EXIF "YYYY:MM:DD HH:MM:SS" (camera local time) → ISO 8601 with this device's offset. */
export function exifDateToIso(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const m = EXIF_DATE.exec(value.trim());
	if (!m) return undefined;
	const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
	const date = new Date(y, mo - 1, d, h, mi, s);
	if (Number.isNaN(date.getTime()) || date.getMonth() !== mo - 1) return undefined;
	return format(date, "yyyy-MM-dd'T'HH:mm:ss.SSSxxx");
}

const validCoordinate = (v: unknown, limit: number): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit;

/** GPS position and capture time from the photo's EXIF; whatever is missing or damaged is left out. */
export async function readPhotoMetadata(input: Blob | Uint8Array): Promise<PhotoMetadata> {
	const data = input instanceof Uint8Array ? input : new Uint8Array(await input.arrayBuffer());
	try {
		const tags = (await exifr.parse(data, { gps: true, exif: true, tiff: true, reviveValues: false, pick: ['DateTimeOriginal', 'GPSLatitude', 'GPSLongitude', 'GPSLatitudeRef', 'GPSLongitudeRef'] })) as
			| Record<string, unknown>
			| undefined;
		const gps = (await exifr.gps(data).catch(() => undefined)) as { latitude?: unknown; longitude?: unknown } | undefined;
		const meta: PhotoMetadata = {};
		if (gps && validCoordinate(gps.latitude, 90) && validCoordinate(gps.longitude, 180)) {
			meta.lat = gps.latitude;
			meta.long = gps.longitude;
		}
		const takenAt = exifDateToIso(tags?.DateTimeOriginal);
		if (takenAt) meta.taken_at = takenAt;
		return meta;
	} catch (e) {
		// No or damaged EXIF is normal (screenshots, edited files): the photo is still good.
		console.warn('[photos] EXIF not readable:', e);
		return {};
	}
}

async function head(input: Blob): Promise<Uint8Array> {
	return new Uint8Array(await input.slice(0, SNIFF_BYTES).arrayBuffer());
}

function canvasOf(width: number, height: number): OffscreenCanvas {
	return new OffscreenCanvas(width, height);
}

async function draw(bitmap: ImageBitmap, width: number, height: number): Promise<OffscreenCanvas> {
	const canvas = canvasOf(width, height);
	const ctx = canvas.getContext('2d');
	if (!ctx) throw new Error('2D canvas unavailable');
	ctx.imageSmoothingQuality = 'high';
	ctx.drawImage(bitmap, 0, 0, width, height);
	return canvas;
}

/** The whole pipeline: check, read EXIF, decode (orientation applied), downscale, encode within budget. */
export async function preparePhoto(input: Blob): Promise<PreparedPhoto> {
	if (input.size === 0) throw new NotAnImageError('the file is empty');
	if (input.size > MAX_INPUT_BYTES) throw new PhotoTooLargeError(`${Math.round(input.size / (1024 * 1024))} MB; at most ${MAX_INPUT_BYTES / (1024 * 1024)} MB`);
	if (sniffPhotoType(await head(input)) === null) throw new NotAnImageError();

	const meta = await readPhotoMetadata(input);
	let bitmap: ImageBitmap;
	try {
		// 'from-image' applies the EXIF orientation: a portrait photo stays portrait after re-encoding.
		bitmap = await createImageBitmap(input, { imageOrientation: 'from-image' });
	} catch {
		throw new NotAnImageError('it could not be decoded (damaged or unsupported)');
	}
	try {
		let size = fitWithin(bitmap.width, bitmap.height, MAX_PHOTO_EDGE_PX);
		let photo: Blob | null = null;
		for (let step = 0; step <= SHRINK_STEPS && !photo; step++) {
			const canvas = await draw(bitmap, size.width, size.height);
			photo = await encodeWithinBudget((quality) => canvas.convertToBlob({ type: 'image/jpeg', quality }), TARGET_PHOTO_BYTES, MAX_ATTACHMENT_BYTES);
			if (!photo) size = { width: Math.max(1, Math.round(size.width * SHRINK_FACTOR)), height: Math.max(1, Math.round(size.height * SHRINK_FACTOR)) };
		}
		if (!photo) throw new PhotoTooLargeError(`over ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB even when downscaled`);
		const thumbSize = fitWithin(bitmap.width, bitmap.height, THUMBNAIL_EDGE_PX);
		const thumbnail = await (await draw(bitmap, thumbSize.width, thumbSize.height)).convertToBlob({ type: 'image/jpeg', quality: THUMBNAIL_QUALITY });
		return { photo, width: size.width, height: size.height, bytes: photo.size, thumbnail, ...meta };
	} finally {
		bitmap.close();
	}
}
