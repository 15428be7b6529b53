import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';

/** ISO 8601 to the second with the zone's offset ("2026-11-23T09:15:00-08:00"), as Open311 wants it. */
export const ISO_SECONDS_OFFSET = "yyyy-MM-dd'T'HH:mm:ssXXX";

/**
 * An instant as the city's wall clock with its offset. Request times are stored this way, so that the
 * strings sort as the instants do (one offset family per city) and Mango range queries on them work.
 */
export function formatCityIso(instant: Date | number | string, timeZone: string): string {
	const ms = typeof instant === 'string' ? Date.parse(instant) : +instant;
	return format(new TZDate(Math.floor(ms / 1000) * 1000, timeZone), ISO_SECONDS_OFFSET);
}

const CITY_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

/**
 * A stored time as Open311 shows it (city wall clock, to the second, with offset). Request times are stored
 * that way already; device times (closes, updates) are UTC with milliseconds and get converted.
 */
export function toCityIso(stored: string, timeZone: string): string {
	return CITY_ISO.test(stored) ? stored : formatCityIso(stored, timeZone);
}
