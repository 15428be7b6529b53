/**
 * How much of the device's storage this app uses (navigator.storage.estimate) and whether the browser
 * promised to keep it (persist()). Shown on the crew screens so a filling disk is seen before it is full.
 */
export interface StorageInfo {
	usageBytes: number;
	quotaBytes: number;
	/** The browser will not evict this origin's data under storage pressure. */
	persisted: boolean;
}

/** Above this share of the quota the sync bar warns (photos are the big items). */
export const STORAGE_WARN_RATIO = 0.9;

export async function readStorage(storage: Pick<StorageManager, 'estimate' | 'persisted'> | undefined = globalThis.navigator?.storage): Promise<StorageInfo | null> {
	if (!storage?.estimate) return null;
	const [estimate, persisted] = await Promise.all([storage.estimate(), storage.persisted?.() ?? Promise.resolve(false)]);
	if (estimate.usage === undefined || estimate.quota === undefined) return null;
	return { usageBytes: estimate.usage, quotaBytes: estimate.quota, persisted };
}

export const storageNearlyFull = (info: StorageInfo) => info.quotaBytes > 0 && info.usageBytes / info.quotaBytes >= STORAGE_WARN_RATIO;

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;
const BYTES_PER_UNIT = 1024;

/** 1536 → "1.5 KB"; whole numbers from 100 up. */
export function formatBytes(bytes: number): string {
	let value = Math.max(0, bytes);
	let unit = 0;
	while (value >= BYTES_PER_UNIT && unit < UNITS.length - 1) {
		value /= BYTES_PER_UNIT;
		unit++;
	}
	const digits = unit === 0 || value >= 100 ? 0 : 1;
	return `${value.toFixed(digits)} ${UNITS[unit]}`;
}
