import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniffPhotoType } from '../../../src/lib/domain/photo-sniff';
import { tinyGif, tinyJpeg, tinyPng, tinyWebp } from '../../helpers/sync-fixtures';

const ascii = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

describe('sniffPhotoType (magic numbers)', () => {
	it.each([
		['JPEG (FF D8 FF)', tinyJpeg(), 'image/jpeg'],
		['PNG (89 50 4E 47 0D 0A 1A 0A)', tinyPng(), 'image/png'],
		['WebP (RIFF ???? WEBP)', tinyWebp(), 'image/webp']
	])('recognises %s', (_name, bytes, type) => {
		expect(sniffPhotoType(bytes)).toBe(type);
	});

	it('needs only the first SNIFF_BYTES bytes', () => {
		expect(sniffPhotoType(tinyWebp().subarray(0, SNIFF_BYTES))).toBe('image/webp');
		expect(sniffPhotoType(tinyPng().subarray(0, SNIFF_BYTES))).toBe('image/png');
	});

	it.each([
		['GIF', tinyGif()],
		['text', ascii('hello, this is not a photo')],
		['HTML', ascii('<!doctype html><svg onload=alert(1)>')],
		['empty', new Uint8Array(0)],
		['a truncated JPEG marker (FF D8)', new Uint8Array([0xff, 0xd8])],
		['a PNG signature with one wrong byte', (() => { const b = tinyPng(); b[6] = 0x00; return b; })()],
		['a RIFF that is not WebP (WAVE)', ascii('RIFF\u0024\u0000\u0000\u0000WAVEfmt ')],
		['a truncated WebP header', tinyWebp().subarray(0, SNIFF_BYTES - 1)],
		['JPEG bytes not at the start', new Uint8Array([0x00, ...tinyJpeg()])]
	])('refuses %s', (_name, bytes) => {
		expect(sniffPhotoType(bytes)).toBeNull();
	});
});
