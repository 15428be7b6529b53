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

/**
 * A crew tablet's last contact with the server (issue 06): written by the tablet's presence ping while it
 * is online, so the board can say "online" or "last sync 14:02" per crew.
 */
export const crewPresenceSchema = z.object({
	...couchMeta,
	type: z.literal('presence'),
	crew: slug,
	/** The crew member signed in on the tablet that pinged last. */
	user: z.string(),
	/** Server time of the ping. */
	seen_at: isoDateTime,
	/** When the tablet last finished a sync (its own clock), and what it still had to send. */
	last_synced_at: isoDateTime.nullable(),
	queued_actions: z.number().int().nonnegative()
});
export type CrewPresence = z.infer<typeof crewPresenceSchema>;
export const crewPresenceDocId = (crew: string) => `presence:${crew}`;

/** What the tablet sends with its presence ping. */
export const presencePingSchema = z
	.object({ last_synced_at: isoDateTime.nullable(), queued_actions: z.number().int().nonnegative().max(1_000_000) })
	.strict();
export type PresencePing = z.infer<typeof presencePingSchema>;
