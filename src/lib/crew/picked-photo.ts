/**
 * A photo chosen on the order screen, ready to go into an action: the downscaled JPEG (photos module) and
 * where and when it was taken — the photo's own EXIF GPS and time when it has them, else the device's
 * position and the time it was picked.
 */
import type { PreparedPhoto } from '../photos/prepare';
import type { DevicePosition } from './position';
import { formatDeviceTime, type PhotoInput } from '../sync/record-action';

export interface PickedPhoto {
	prepared: PreparedPhoto;
	/** Payload fields of the photo action. */
	place: { lat?: number; long?: number; taken_at: string };
}

export function pickedPhotoFrom(prepared: PreparedPhoto, position: DevicePosition | null, now: Date): PickedPhoto {
	const fromExif = prepared.lat !== undefined && prepared.long !== undefined;
	const lat = fromExif ? prepared.lat : position?.lat;
	const long = fromExif ? prepared.long : position?.long;
	return {
		prepared,
		place: {
			...(lat !== undefined && long !== undefined ? { lat, long } : {}),
			taken_at: prepared.taken_at ?? formatDeviceTime(now)
		}
	};
}

export function photoAttachment(photo: PickedPhoto): PhotoInput {
	return { content_type: 'image/jpeg', data: photo.prepared.photo };
}
