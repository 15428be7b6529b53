/**
 * Open311 API keys, managed by admins (/admin/api-keys). A key is shown once when created; the directory
 * keeps its SHA-256 as the document id, so checking a key is one document read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { apiKeyDocId, apiKeySchema, newApiKeySchema, type ApiKey, type SessionUser } from '../../domain';
import { listOfType } from '../directory';
import { BadRequestError, describeZodError, ForbiddenError, NotFoundError } from '../errors';
import type { CouchClient } from '../store/couch-client';
import { DIRECTORY_DB } from '../store/schema';

const KEY_BYTES = 24; // 192 random bits
const PUBLIC_ID_CHARS = 10;
export const MAX_API_KEY_LENGTH = 200;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function assertAdmin(user: SessionUser): void {
	if (user.role !== 'admin') throw new ForbiddenError('Only admins manage API keys');
}

export async function listApiKeys(store: CouchClient): Promise<ApiKey[]> {
	const keys = await listOfType(store, 'api_key', apiKeySchema);
	return keys.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/** Issues a key; the plain key is returned only here. */
export async function createApiKey(store: CouchClient, user: SessionUser, body: unknown, now = new Date()): Promise<{ key: string; record: ApiKey }> {
	assertAdmin(user);
	const input = newApiKeySchema.safeParse(body);
	if (!input.success) throw new BadRequestError(describeZodError(input.error));
	const key = `fw311_${randomBytes(KEY_BYTES).toString('base64url')}`;
	const hash = sha256(key);
	const record = apiKeySchema.parse({
		_id: apiKeyDocId(hash),
		type: 'api_key',
		id: hash.slice(0, PUBLIC_ID_CHARS),
		name: input.data.name,
		contact: input.data.contact,
		created_at: now.toISOString(),
		created_by: user.id
	});
	const res = await store.db(DIRECTORY_DB).put(record);
	return { key, record: { ...record, _rev: res.rev } };
}

export async function revokeApiKey(store: CouchClient, user: SessionUser, id: string, now = new Date()): Promise<ApiKey> {
	assertAdmin(user);
	const key = (await listApiKeys(store)).find((k) => k.id === id);
	if (!key) throw new NotFoundError(`No API key ${id}`);
	if (key.revoked_at) return key;
	const revoked = { ...key, revoked_at: now.toISOString(), revoked_by: user.id };
	const res = await store.db(DIRECTORY_DB).put(revoked);
	return { ...revoked, _rev: res.rev };
}

/** The active key record for a presented key, or null (unknown, revoked or malformed). */
export async function findActiveApiKey(store: CouchClient, presented: string | null): Promise<ApiKey | null> {
	if (!presented || presented.length > MAX_API_KEY_LENGTH) return null;
	const doc = await store.db(DIRECTORY_DB).getOrNull<unknown>(apiKeyDocId(sha256(presented)));
	const parsed = doc ? apiKeySchema.safeParse(doc) : null;
	if (!parsed?.success || parsed.data.revoked_at) return null;
	return parsed.data;
}
