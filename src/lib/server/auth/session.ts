/**
 * Stateless signed session cookies (DESIGN.md point 6: any app server can check them). The cookie holds
 * only the user id, an issue time and an expiry, signed with HMAC-SHA256; role and crew are read fresh
 * from the directory on each request, so a role change or a deactivation takes effect at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const SESSION_COOKIE = 'fw_session';

const payloadSchema = z.object({ sub: z.string(), iat: z.number().int(), exp: z.number().int() });
export type SessionPayload = z.infer<typeof payloadSchema>;

function sign(data: string, secret: string): string {
	return createHmac('sha256', secret).update(data).digest('base64url');
}

export function createSessionToken(userId: string, secret: string, maxAgeSeconds: number, nowMs: number): string {
	const iat = Math.floor(nowMs / 1000);
	const payload: SessionPayload = { sub: userId, iat, exp: iat + maxAgeSeconds };
	const data = Buffer.from(JSON.stringify(payload)).toString('base64url');
	return `${data}.${sign(data, secret)}`;
}

/** The payload of a valid, unexpired token; null for anything else (tampered, expired, malformed). */
export function verifySessionToken(token: string, secret: string, nowMs: number): SessionPayload | null {
	const dot = token.indexOf('.');
	if (dot <= 0) return null;
	const data = token.slice(0, dot);
	const mac = Buffer.from(token.slice(dot + 1));
	const expected = Buffer.from(sign(data, secret));
	if (mac.length !== expected.length || !timingSafeEqual(new Uint8Array(mac), new Uint8Array(expected))) return null;
	let json: unknown;
	try {
		json = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
	} catch {
		return null;
	}
	const parsed = payloadSchema.safeParse(json);
	if (!parsed.success || parsed.data.exp * 1000 <= nowMs) return null;
	return parsed.data;
}

/** Sets the session cookie the same way for the JSON sign-in API and the plain-HTML sign-in form. */
export function setSessionCookie(
	cookies: { set: (name: string, value: string, opts: { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean; maxAge: number }) => void },
	token: string,
	maxAgeSeconds: number,
	secure: boolean
): void {
	cookies.set(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: maxAgeSeconds });
}
