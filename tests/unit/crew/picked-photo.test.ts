import { describe, expect, it } from 'vitest';
import { photoAttachment, pickedPhotoFrom } from '../../../src/lib/crew/picked-photo';
import { fieldActionSchema } from '../../../src/lib/domain';

const blob = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], { type: 'image/jpeg' });
const prepared = { photo: blob, thumbnail: blob, width: 1600, height: 1067, bytes: 4 };
const NOW = new Date('2024-05-01T10:00:00-07:00');

describe('where and when a photo was taken', () => {
	it("uses the photo's own GPS and time when it has them", () => {
		const p = pickedPhotoFrom({ ...prepared, lat: 37.78, long: -122.41, taken_at: '2024-05-01T09:58:00.000-07:00' }, { lat: 1, long: 2, accuracy_m: 5 }, NOW);
		expect(p.place).toEqual({ lat: 37.78, long: -122.41, taken_at: '2024-05-01T09:58:00.000-07:00' });
	});

	it("falls back to the device's position and the time it was picked", () => {
		const p = pickedPhotoFrom(prepared, { lat: 37.7, long: -122.4, accuracy_m: 12 }, NOW);
		expect(p.place.lat).toBe(37.7);
		expect(p.place.long).toBe(-122.4);
		expect(Date.parse(p.place.taken_at)).toBe(NOW.getTime());
	});

	it('records no place at all when neither knows (geolocation denied)', () => {
		const p = pickedPhotoFrom(prepared, null, NOW);
		expect(p.place).not.toHaveProperty('lat');
		expect(p.place).not.toHaveProperty('long');
	});

	it('gives a payload and attachment the action schema accepts', () => {
		const p = pickedPhotoFrom(prepared, { lat: 37.7, long: -122.4, accuracy_m: 12 }, NOW);
		const id = '6f1c1f3e-8a8e-4b8e-9a39-0a5c2b7d9e11';
		const parsed = fieldActionSchema.safeParse({
			_id: `action:${id}`,
			type: 'field_action',
			id,
			action: 'photo',
			order_id: '101',
			crew: 'c1',
			author: 'ana',
			device_time: '2024-05-01T10:00:00.000-07:00',
			base_rev: null,
			payload: { attachment: 'photo.jpg', kind: 'after', ...p.place },
			_attachments: { 'photo.jpg': photoAttachment(p) }
		});
		expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
		expect(photoAttachment(p)).toEqual({ content_type: 'image/jpeg', data: blob });
	});
});
