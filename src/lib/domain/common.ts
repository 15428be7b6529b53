import { z } from 'zod';

/** ISO 8601 date-time with an explicit offset (Open311 requires one). */
export const isoDateTime = z.iso.datetime({ offset: true });

export const latitude = z.number().finite().min(-90).max(90);
export const longitude = z.number().finite().min(-180).max(180);

export const pointSchema = z.object({ lat: latitude, long: longitude });
export type Point = z.infer<typeof pointSchema>;

/** A slug-like identifier: lowercase letters, digits, '-' and '_'. Safe inside CouchDB database names. */
export const slug = z
	.string()
	.min(1)
	.max(64)
	.regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, "-" or "_"');

export const REASON_MIN_CHARS = 3;
export const REASON_MAX_CHARS = 1000;
/** Why something was done (a reroute, an unassignment, a conflict decision): kept in the order's history. */
export const reasonTextSchema = z
	.string()
	.trim()
	.min(REASON_MIN_CHARS, `give a reason (at least ${REASON_MIN_CHARS} characters)`)
	.max(REASON_MAX_CHARS);

/** Fields every CouchDB document may carry. */
export const couchMeta = {
	_id: z.string().min(1),
	_rev: z.string().optional()
};

const EARTH_RADIUS_M = 6_371_008.8; // mean Earth radius in metres (IUGG)

/** Great-circle distance in metres. */
export function haversineMeters(a: Point, b: Point): number {
	const rad = Math.PI / 180;
	const dLat = (b.lat - a.lat) * rad;
	const dLon = (b.long - a.long) * rad;
	const h =
		Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
	return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
