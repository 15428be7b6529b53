import { z } from 'zod';
import { couchMeta, isoDateTime } from './common';

/**
 * An Open311 API key (issue 07): admins issue one per client app; POST requests need one. Only the key's
 * SHA-256 is stored (the document id), so a leaked directory does not leak usable keys.
 */
export const apiKeySchema = z.object({
	...couchMeta,
	type: z.literal('api_key'),
	/** Short public id for lists and logs (first hex characters of the hash). */
	id: z.string().min(6).max(64),
	name: z.string().trim().min(2).max(120),
	/** Contact for the app's owner. */
	contact: z.string().trim().max(200).default(''),
	created_at: isoDateTime,
	created_by: z.string(),
	revoked_at: isoDateTime.nullable().default(null),
	revoked_by: z.string().nullable().default(null)
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const apiKeyDocId = (sha256Hex: string) => `api_key:${sha256Hex}`;

export const newApiKeySchema = z.object({
	name: z.string().trim().min(2, 'name the app or partner (at least 2 characters)').max(120),
	contact: z.string().trim().max(200).default('')
});
