import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NotAnImageError, PhotoTooLargeError, rebuildPhotoError, photoErrorKind } from '../../../src/lib/photos/errors';
import {
	encodeWithinBudget,
	exifDateToIso,
	fitWithin,
	MAX_INPUT_BYTES,
	preparePhoto,
	QUALITY_LADDER,
	readPhotoMetadata
} from '../../../src/lib/photos/prepare';

const CAMERA = new Uint8Array(readFileSync('tests/fixtures/photos/camera-3000x2000-exif.jpg'));
const TEXT = new Uint8Array(readFileSync('tests/fixtures/photos/not-a-photo.jpg'));

describe('fitWithin', () => {
	it('scales the long edge down to the limit, keeping the aspect ratio', () => {
		expect(fitWithin(3000, 2000, 1600)).toEqual({ width: 1600, height: 1067 });
		expect(fitWithin(2000, 3000, 1600)).toEqual({ width: 1067, height: 1600 });
		expect(fitWithin(4032, 3024, 320)).toEqual({ width: 320, height: 240 });
	});
	it('never upscales', () => {
		expect(fitWithin(800, 600, 1600)).toEqual({ width: 800, height: 600 });
		expect(fitWithin(1600, 1600, 1600)).toEqual({ width: 1600, height: 1600 });
	});
});

describe('encodeWithinBudget', () => {
	const sizes = (bySize: Record<number, number>) => async (q: number) => new Blob([new Uint8Array(bySize[q] ?? 0)]);
	it('takes the best quality that fits the budget', async () => {
		const tried: number[] = [];
		const blob = await encodeWithinBudget(async (q) => (tried.push(q), sizes({ 0.85: 900, 0.75: 500, 0.65: 300 })(q)), 400, 2000);
		expect(blob?.size).toBe(300);
		expect(tried).toEqual([0.85, 0.75, 0.65]);
	});
	it('falls back to the smallest when none fits the budget but it is under the hard cap', async () => {
		const blob = await encodeWithinBudget(async (q) => new Blob([new Uint8Array(Math.round(1000 * q))]), 100, 2000);
		expect(blob?.size).toBe(Math.round(1000 * QUALITY_LADDER.at(-1)!));
	});
	it('gives null when even the smallest is over the hard cap', async () => {
		expect(await encodeWithinBudget(async () => new Blob([new Uint8Array(5000)]), 100, 2000)).toBeNull();
	});
});

describe('photo metadata from EXIF', () => {
	it('reads the GPS position and the capture time of a camera photo', async () => {
		const meta = await readPhotoMetadata(CAMERA);
		expect(meta.lat).toBeCloseTo(37.7793, 3);
		expect(meta.long).toBeCloseTo(-122.4193, 3);
		expect(meta.taken_at).toMatch(/^2024-05-01T09:58:07\.000[+-]\d{2}:\d{2}$/);
	});
	it('a file without EXIF (or not a JPEG) has none, and that is not an error', async () => {
		expect(await readPhotoMetadata(TEXT)).toEqual({});
		expect(await readPhotoMetadata(CAMERA.subarray(0, 40))).toEqual({});
	});
	it('EXIF dates: local camera time with the device offset; nonsense is dropped', () => {
		expect(exifDateToIso('2024:05:01 09:58:07')).toMatch(/^2024-05-01T09:58:07\.000[+-]\d{2}:\d{2}$/);
		expect(exifDateToIso('2024:13:45 99:00:00')).toBeUndefined();
		expect(exifDateToIso('0000:00:00 00:00:00')).toBeUndefined();
		expect(exifDateToIso(42)).toBeUndefined();
	});
});

describe('preparePhoto refuses what is not a photo before decoding', () => {
	it('a text file named .jpg, an empty file, a PDF', async () => {
		await expect(preparePhoto(new Blob([TEXT]))).rejects.toThrow(NotAnImageError);
		await expect(preparePhoto(new Blob([TEXT]))).rejects.toThrow(/not a photo \(JPEG, PNG or WebP\)/);
		await expect(preparePhoto(new Blob([]))).rejects.toThrow(/empty/);
		await expect(preparePhoto(new Blob(['%PDF-1.7\n']))).rejects.toThrow(NotAnImageError);
	});
	it('a file far too large to be a camera photo', async () => {
		const huge = new Blob([new Uint8Array(MAX_INPUT_BYTES + 1)]);
		await expect(preparePhoto(huge)).rejects.toThrow(PhotoTooLargeError);
	});
	it('errors keep their kind across the worker boundary', () => {
		for (const e of [new NotAnImageError(), new PhotoTooLargeError('3 MB')]) {
			const back = rebuildPhotoError(photoErrorKind(e)!, e.message);
			expect(back.constructor).toBe(e.constructor);
			expect(back.message).toBe(e.message);
		}
		expect(photoErrorKind(new Error('x'))).toBeNull();
	});
});
