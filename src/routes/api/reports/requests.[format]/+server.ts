import { getContext } from '$lib/server/context';
import { BadRequestError, NotFoundError } from '$lib/server/errors';
import { api } from '$lib/server/http';
import { exportStream, isExportFormat, parseExportQuery } from '$lib/server/analytics/export';
import { cityDay } from '$lib/server/analytics/range';
import type { RequestHandler } from './$types';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', geojson: 'application/geo+json' } as const;

/** Staff: requests of a date range as open-data CSV or GeoJSON, streamed (no reporter data). */
export const GET: RequestHandler = api(async ({ params, url }) => {
	const format = params.format!;
	if (!isExportFormat(format)) throw new NotFoundError(`No export format "${format}": use .csv or .geojson`);
	const ctx = getContext();
	const zone = ctx.config.CITY_TIME_ZONE;
	const query = parseExportQuery(url.searchParams, new Date(), zone);
	if (!query.ok) throw new BadRequestError(query.reason);
	const day = (d: Date) => cityDay(d, zone);
	return new Response(exportStream(ctx.store, query.value, format, ctx.config.CITY_TIME_ZONE), {
		headers: {
			'content-type': CONTENT_TYPES[format],
			'content-disposition': `attachment; filename="requests-${day(query.value.start)}-to-${day(query.value.end)}.${format}"`,
			'cache-control': 'no-store'
		}
	});
});
