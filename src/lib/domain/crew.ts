import { z } from 'zod';
import { couchMeta, isoDateTime, pointSchema, slug } from './common';

export const crewPositionSchema = pointSchema.extend({
	at: isoDateTime,
	accuracy_m: z.number().nonnegative().optional()
});
export type CrewPosition = z.infer<typeof crewPositionSchema>;

export const crewSchema = z.object({
	...couchMeta,
	type: z.literal('crew'),
	id: slug,
	name: z.string().min(1).max(200),
	department: slug,
	/** User ids of the crew's members. */
	members: z.array(z.string()),
	depot: pointSchema.extend({ name: z.string() }),
	/** Service codes this crew usually handles (used for seeding and auto-suggest). */
	service_codes: z.array(slug).default([]),
	last_position: crewPositionSchema.nullable().default(null)
});
export type Crew = z.infer<typeof crewSchema>;

export const crewDocId = (id: string) => `crew:${id}`;
/** The per-crew CouchDB database (DESIGN.md point 2). */
export const crewDbName = (id: string) => `crew-${id}`;

/** What a crew member's tablet knows of its own crew (sent with /api/auth/me, kept for offline starts). */
export const crewSummarySchema = z.object({ id: slug, name: z.string(), depot: pointSchema.extend({ name: z.string() }) });
export type CrewSummary = z.infer<typeof crewSummarySchema>;
