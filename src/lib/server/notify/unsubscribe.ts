/**
 * Unsubscribe links (issue 07): /unsubscribe/<token>, where the token carries the address and an HMAC of it
 * under the server's secret — no list of links to keep, and nobody can unsubscribe an address they were not
 * mailed at. Unsubscribed addresses are kept by their SHA-256 only.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { suppressionDocId } from '../../domain';
import { isConflict, type CouchClient } from '../store/couch-client';
import { MAIL_DB } from '../store/schema';

const MAC_CHARS = 32; // base64url characters of the HMAC kept in the link (192 bits)
const MAX_TOKEN_CHARS = 600;

const normalise = (email: string) => email.trim().toLowerCase();
const mac = (secret: string, email: string) => createHmac('sha256', secret).update(`unsubscribe\n${normalise(email)}`).digest('base64url').slice(0, MAC_CHARS);
const emailHash = (email: string) => createHash('sha256').update(normalise(email)).digest('hex');

export function unsubscribeToken(secret: string, email: string): string {
	return `${Buffer.from(normalise(email)).toString('base64url')}.${mac(secret, email)}`;
}

/** The address a token was made for, or null when it is malformed or not ours. */
export function readUnsubscribeToken(secret: string, token: string): string | null {
	if (token.length > MAX_TOKEN_CHARS) return null;
	const [encoded, given] = token.split('.');
	if (!encoded || !given || given.length !== MAC_CHARS) return null;
	const email = Buffer.from(encoded, 'base64url').toString('utf8');
	const expected = mac(secret, email);
	const bytes = (text: string) => new TextEncoder().encode(text);
	return timingSafeEqual(bytes(expected), bytes(given)) ? email : null;
}

export async function suppress(store: CouchClient, email: string, now = new Date()): Promise<void> {
	try {
		await store.db(MAIL_DB).put({ _id: suppressionDocId(emailHash(email)), type: 'suppression', created_at: now.toISOString() });
	} catch (e) {
		if (!isConflict(e)) throw e; // already unsubscribed
	}
}

export async function isSuppressed(store: CouchClient, email: string): Promise<boolean> {
	return (await store.db(MAIL_DB).getOrNull(suppressionDocId(emailHash(email)))) !== null;
}
