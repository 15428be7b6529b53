/**
 * Revocable device tokens (issue 02): a shared tablet can sync with `Authorization: Bearer <token>` instead
 * of the session cookie. Only a SHA-256 of the token is stored; the token itself is shown once, at creation.
 * Revoking one stops that tablet at its next request without signing anybody else out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { toSessionUser, type SessionUser } from '../../domain';
import { getUser } from '../directory';
import { BadRequestError, NotFoundError, describeZodError } from '../errors';
import type { CouchClient } from '../store/couch-client';
import { DIRECTORY_DB } from '../store/schema';

const TOKEN_PREFIX = 'fwd_';
const TOKEN_BYTES = 32; // 256 bits

export const deviceTokenDocSchema = z.object({
	_id: z.string(),
	_rev: z.string().optional(),
	type: z.literal('device_token'),
	/** First characters of the token's hash: how users tell their tokens apart (never the token). */
	token_id: z.string(),
	user: z.string(),
	label: z.string(),
	created_at: z.iso.datetime({ offset: true }),
	revoked_at: z.iso.datetime({ offset: true }).nullable()
});
export type DeviceTokenDoc = z.infer<typeof deviceTokenDocSchema>;
export type DeviceTokenInfo = Omit<DeviceTokenDoc, '_id' | '_rev' | 'type'>;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const docId = (hash: string) => `device_token:${hash}`;
const TOKEN_ID_CHARS = 12;

export const createTokenBodySchema = z.object({ label: z.string().trim().min(1, 'label is required').max(100) }).strict();

function info(doc: DeviceTokenDoc): DeviceTokenInfo {
	return { token_id: doc.token_id, user: doc.user, label: doc.label, created_at: doc.created_at, revoked_at: doc.revoked_at };
}

export async function createDeviceToken(
	store: CouchClient,
	user: SessionUser,
	body: unknown,
	now = new Date()
): Promise<{ token: string; info: DeviceTokenInfo }> {
	const parsed = createTokenBodySchema.safeParse(body);
	if (!parsed.success) throw new BadRequestError(describeZodError(parsed.error));
	const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
	const hash = hashToken(token);
	const doc: DeviceTokenDoc = {
		_id: docId(hash),
		type: 'device_token',
		token_id: hash.slice(0, TOKEN_ID_CHARS),
		user: user.id,
		label: parsed.data.label,
		created_at: now.toISOString(),
		revoked_at: null
	};
	await store.db(DIRECTORY_DB).put(doc);
	return { token, info: info(doc) };
}

export async function listDeviceTokens(store: CouchClient, userId: string): Promise<DeviceTokenInfo[]> {
	const res = await store.db(DIRECTORY_DB).find<unknown>({ selector: { type: 'device_token', user: userId }, limit: 1000 });
	return res.docs.map((d) => info(deviceTokenDocSchema.parse(d))).sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export async function revokeDeviceToken(
	store: CouchClient,
	userId: string,
	tokenId: string,
	now = new Date(),
	onRevoked: (cacheKey: string) => void = () => {}
): Promise<DeviceTokenInfo> {
	const res = await store.db(DIRECTORY_DB).find<unknown>({ selector: { type: 'device_token', user: userId, token_id: tokenId }, limit: 1 });
	const found = res.docs[0];
	if (!found) throw new NotFoundError(`No device token ${tokenId} of yours`);
	const doc = deviceTokenDocSchema.parse(found);
	if (doc.revoked_at) return info(doc);
	const revoked = { ...doc, revoked_at: now.toISOString() };
	await store.db(DIRECTORY_DB).put(revoked);
	onRevoked(cacheKeyOfTokenDoc(doc._id));
	return info(revoked);
}

/** The session-cache key of a bearer token (by hash, so a revocation can evict it): null if none. */
export function bearerCacheKey(authorization: string | null): string | null {
	if (!authorization?.startsWith('Bearer ')) return null;
	return `bearer:${hashToken(authorization.slice('Bearer '.length).trim())}`;
}

/** The session-cache key of the token a device-token document stands for. */
export const cacheKeyOfTokenDoc = (docIdValue: string) => `bearer:${docIdValue.slice('device_token:'.length)}`;

/** The user a bearer token belongs to; null when unknown, revoked, or the user is inactive. */
export async function userFromDeviceToken(store: CouchClient, authorization: string | null): Promise<SessionUser | null> {
	if (!authorization?.startsWith('Bearer ')) return null;
	const token = authorization.slice('Bearer '.length).trim();
	if (!token.startsWith(TOKEN_PREFIX)) return null;
	const raw = await store.db(DIRECTORY_DB).getOrNull<unknown>(docId(hashToken(token)));
	const parsed = deviceTokenDocSchema.safeParse(raw);
	if (!parsed.success || parsed.data.revoked_at) return null;
	const user = await getUser(store, parsed.data.user);
	return user && user.active ? toSessionUser(user) : null;
}
