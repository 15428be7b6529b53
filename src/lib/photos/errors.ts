/** Why a photo cannot be attached; the messages are shown to the crew as they are. */
export class NotAnImageError extends Error {
	override name = 'NotAnImageError';
	constructor(detail = '') {
		super(`This file is not a photo (JPEG, PNG or WebP)${detail ? `: ${detail}` : ''}. Take the photo again or choose another file.`);
	}
}

export class PhotoTooLargeError extends Error {
	override name = 'PhotoTooLargeError';
	constructor(detail: string) {
		super(`This photo is too large to send (${detail}). Take it again with less detail in the frame, or choose a smaller file.`);
	}
}

/** Comlink loses error classes: errors cross the worker boundary as { kind, message } and are rebuilt. */
export type PhotoErrorKind = 'not_an_image' | 'too_large';

export function photoErrorKind(e: unknown): PhotoErrorKind | null {
	if (e instanceof NotAnImageError) return 'not_an_image';
	if (e instanceof PhotoTooLargeError) return 'too_large';
	return null;
}

export function rebuildPhotoError(kind: PhotoErrorKind, message: string): Error {
	const e = kind === 'not_an_image' ? new NotAnImageError() : new PhotoTooLargeError('');
	e.message = message;
	return e;
}
