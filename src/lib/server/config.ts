/**
 * Configuration, parsed once from the environment with zod (DESIGN.md: "env parsed once, fail fast").
 * A wrong value stops start-up with a message naming the variable and what to set.
 */
import { z } from 'zod';
import path from 'node:path';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
	NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
	/** Where the embedded store keeps its data (LevelDB) and generated secrets. */
	DATA_DIR: z.string().min(1).default('./data'),
	/** An external Apache CouchDB 3 (http(s)://user:password@host:5984). Unset: the embedded store. */
	COUCHDB_URL: z
		.url({ protocol: /^https?$/, error: 'COUCHDB_URL must be an http(s) URL like http://admin:secret@127.0.0.1:5984' })
		.optional(),
	/** Loopback port of the embedded store (never bound to another interface). */
	STORE_PORT: port.default(5985),
	/** demo: seed the real SF 311 data and demo accounts into an empty store. none: start empty (production). */
	SEED: z.enum(['demo', 'none']).default('demo'),
	/** HMAC key for session cookies, at least 32 characters. Unset: generated once into DATA_DIR. */
	SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
	/** How long a tablet stays signed in without signing in again (it must sync after days offline). */
	SESSION_MAX_AGE_DAYS: positiveInt.default(30),
	/** Failed sign-ins allowed per username and address before a lock-out. */
	LOGIN_MAX_FAILURES: positiveInt.default(5),
	LOGIN_LOCKOUT_MINUTES: positiveInt.default(15),
	/** How long a closed order stays on its crew's tablets (days), so the crew sees what it finished. */
	CLOSED_WINDOW_DAYS: z.coerce.number().positive().default(2),
	/** Time zone of the city's wall clock (used to read local times in imports). */
	CITY_TIME_ZONE: z.string().min(1).default('America/Los_Angeles'),
	/** The map area served at /map (tiles, glyphs, area.json); another city is another directory. */
	MAP_AREA_DIR: z.string().min(1).default('./map-data/sf-downtown'),
	/** Port the app listens on (adapter-node); also the default PUBLIC_URL's port. */
	PORT: port.default(3000),
	/** The address residents and e-mails use for links (status pages, photos, unsubscribe). */
	PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'PUBLIC_URL must be an http(s) URL like https://311.example.gov' }).optional(),
	/** Outgoing mail server (smtp://user:pass@host:587 or smtps://…). Unset: messages stay in the outbox at /admin/outbox. */
	SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'SMTP_URL must be an smtp:// or smtps:// URL like smtp://user:pass@mail.example.gov:587' }).optional(),
	/** Sender of resident e-mails. */
	MAIL_FROM: z.string().min(3).default('City 311 <no-reply@localhost>'),
	/** Open311 jurisdiction_id this endpoint serves (requests naming another get 404). */
	OPEN311_JURISDICTION_ID: z.string().min(1).default('sfgov.org'),
	/** Largest photo a resident may upload with a report, in bytes. */
	MAX_UPLOAD_BYTES: positiveInt.max(50 * 1024 * 1024).default(10 * 1024 * 1024),
	/** Where reports are accepted: west,south,east,north in degrees (default: San Francisco). */
	SERVICE_AREA_BBOX: z
		.string()
		.default('-122.5155,37.7030,-122.3550,37.8324')
		.transform((text, ctx) => {
			const n = text.split(',').map((v) => Number(v.trim()));
			if (n.length !== 4 || n.some((v) => !Number.isFinite(v)) || n[0]! >= n[2]! || n[1]! >= n[3]!) {
				ctx.addIssue({ code: 'custom', message: 'SERVICE_AREA_BBOX must be "west,south,east,north" with west < east and south < north' });
				return z.NEVER;
			}
			return { west: n[0]!, south: n[1]!, east: n[2]!, north: n[3]! };
		})
});

export type Config = z.infer<typeof configSchema> & { dataDir: string; mapAreaDir: string; publicUrl: string };

export class ConfigError extends Error {
	override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError that says which variable to fix and how. */
export function parseConfig(env: Record<string, string | undefined>): Config {
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
	const result = configSchema.safeParse(cleaned);
	if (!result.success) {
		const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
		throw new ConfigError(`Invalid configuration — fix these environment variables:\n${lines.join('\n')}`);
	}
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: result.data.CITY_TIME_ZONE });
	} catch {
		throw new ConfigError(`Invalid configuration — CITY_TIME_ZONE: "${result.data.CITY_TIME_ZONE}" is not an IANA time zone (e.g. America/Los_Angeles)`);
	}
	return {
		...result.data,
		dataDir: path.resolve(result.data.DATA_DIR),
		mapAreaDir: path.resolve(result.data.MAP_AREA_DIR),
		publicUrl: (result.data.PUBLIC_URL ?? `http://localhost:${result.data.PORT}`).replace(/\/+$/, '')
	};
}
