import { z } from 'zod';
import { isoDateTime, slug } from './common';
import { DEFAULT_SERVICE_MINUTES, resolutionCodeSchema } from './service-type';

/**
 * The rules a tablet needs to fold its pending actions offline with the shared reducer: service types
 * (resolution codes, the after-photo rule), crews and departments (reroute targets). The projector writes
 * it into every crew database; it replicates like an order and is read-only to tablets.
 */
export const CATALOG_DOC_ID = 'catalog:rules';

export const crewCatalogSchema = z.object({
	_id: z.literal(CATALOG_DOC_ID),
	_rev: z.string().optional(),
	type: z.literal('catalog'),
	service_types: z.array(
		z.object({
			service_code: slug,
			service_name: z.string(),
			requires_after_photo: z.boolean(),
			resolution_codes: z.array(resolutionCodeSchema),
			/** Typical minutes on site, for the route's ETAs (catalogs written before it have the default). */
			service_minutes: z.number().positive().default(DEFAULT_SERVICE_MINUTES)
		})
	),
	crews: z.array(z.object({ id: slug, name: z.string(), department: slug })),
	departments: z.array(z.object({ id: slug, name: z.string() })),
	updated_at: isoDateTime
});
export type CrewCatalog = z.infer<typeof crewCatalogSchema>;
