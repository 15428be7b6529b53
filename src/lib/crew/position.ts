/** Where the device is, when it can say quickly (photos record it; nothing waits long for a GPS fix). */
export const POSITION_TIMEOUT_MS = 5000; // 5 seconds: a photo is not held up by a slow fix
export const POSITION_MAX_AGE_MS = 60 * 1000; // 1 minute: a fix this fresh is as good as a new one on foot

export interface DevicePosition {
	lat: number;
	long: number;
	accuracy_m: number;
}

/** The current position, or null when geolocation is missing, denied or too slow. */
export function currentPosition(geo: Geolocation | undefined = globalThis.navigator?.geolocation): Promise<DevicePosition | null> {
	if (!geo) return Promise.resolve(null);
	return new Promise((resolve) => {
		geo.getCurrentPosition(
			(p) => resolve({ lat: p.coords.latitude, long: p.coords.longitude, accuracy_m: p.coords.accuracy }),
			() => resolve(null),
			{ enableHighAccuracy: true, timeout: POSITION_TIMEOUT_MS, maximumAge: POSITION_MAX_AGE_MS }
		);
	});
}
