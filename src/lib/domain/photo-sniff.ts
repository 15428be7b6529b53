/**
 * Photo type from the bytes themselves (magic numbers), never from what the tablet declares: the gateway
 * accepts an attachment only when its bytes are a JPEG, PNG or WebP AND match the declared content_type.
 */
import type { PHOTO_CONTENT_TYPES } from './field-action';

export type PhotoContentType = (typeof PHOTO_CONTENT_TYPES)[number];

/** JPEG: SOI marker followed by the first segment marker (FF D8 FF). */
const JPEG_MAGIC = [0xff, 0xd8, 0xff] as const;
/** PNG: the fixed 8-byte signature (\x89 P N G \r \n \x1a \n). */
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** WebP: a RIFF container ("RIFF", 4-byte size, "WEBP"). */
const RIFF_MAGIC = [0x52, 0x49, 0x46, 0x46] as const; // "RIFF"
const WEBP_FOURCC = [0x57, 0x45, 0x42, 0x50] as const; // "WEBP"
const WEBP_FOURCC_OFFSET = 8; // after "RIFF" and the little-endian chunk size

/** How many leading bytes sniffing needs (the WebP check reads the most). */
export const SNIFF_BYTES = WEBP_FOURCC_OFFSET + WEBP_FOURCC.length;

function startsWith(bytes: Uint8Array, magic: readonly number[], offset = 0): boolean {
	if (bytes.length < offset + magic.length) return false;
	return magic.every((b, i) => bytes[offset + i] === b);
}

/** The photo type the bytes are, or null when they are none of JPEG, PNG, WebP. */
export function sniffPhotoType(bytes: Uint8Array): PhotoContentType | null {
	if (startsWith(bytes, JPEG_MAGIC)) return 'image/jpeg';
	if (startsWith(bytes, PNG_MAGIC)) return 'image/png';
	if (startsWith(bytes, RIFF_MAGIC) && startsWith(bytes, WEBP_FOURCC, WEBP_FOURCC_OFFSET)) return 'image/webp';
	return null;
}
