import { z } from 'zod';
import { crewDbName, sessionUserSchema, toSessionUser, type SessionUser } from '../../domain';
import { getUser } from '../directory';
import { BadRequestError, UnauthorizedError, describeZodError } from '../errors';
import type { AppContext } from '../context';
import { DUMMY_HASH, verifyPassword } from './password';
import { createSessionToken, verifySessionToken } from './session';
import { assertNotLocked, clearFailures, recordFailure } from './throttle';

export const loginBodySchema = z
	.object({
		username: z.string().trim().toLowerCase().min(1, 'username is required').max(64),
		password: z.string().min(1, 'password is required').max(1024)
	})
	.strict();

export const SECONDS_PER_DAY = 24 * 60 * 60;

export const loginResponseSchema = z.object({
	user: sessionUserSchema,
	/** Where the crew's tablet replicates (issue 02); null for other roles. */
	sync_path: z.string().nullable()
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

export function syncPathFor(user: SessionUser): string | null {
	return user.role === 'crew' && user.crew ? `/sync/${crewDbName(user.crew)}` : null;
}

export function parseLoginBody(body: unknown): z.infer<typeof loginBodySchema> {
	const parsed = loginBodySchema.safeParse(body);
	if (!parsed.success) throw new BadRequestError(describeZodError(parsed.error));
	return parsed.data;
}

export async function login(
	ctx: AppContext,
	body: unknown,
	address: string,
	now = Date.now()
): Promise<{ response: LoginResponse; token: string; maxAgeSeconds: number }> {
	const { username, password } = parseLoginBody(body);
	const policy = { maxFailures: ctx.config.LOGIN_MAX_FAILURES, lockoutMs: ctx.config.LOGIN_LOCKOUT_MINUTES * 60_000 };
	await assertNotLocked(ctx.store, username, address, now);
	const user = await getUser(ctx.store, username);
	// Verify against a dummy hash for unknown users so the answer takes as long either way.
	const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
	if (!user || !ok || !user.active) {
		await recordFailure(ctx.store, username, address, now, policy);
		throw new UnauthorizedError('Wrong username or password');
	}
	await clearFailures(ctx.store, username, address);
	const maxAgeSeconds = ctx.config.SESSION_MAX_AGE_DAYS * SECONDS_PER_DAY;
	const sessionUser = toSessionUser(user);
	return {
		response: { user: sessionUser, sync_path: syncPathFor(sessionUser) },
		token: createSessionToken(user.id, ctx.sessionSecret, maxAgeSeconds, now),
		maxAgeSeconds
	};
}

/** The signed-in user for a session cookie, read fresh from the directory; null when not valid. */
export async function userFromSession(ctx: AppContext, token: string | undefined, now = Date.now()): Promise<SessionUser | null> {
	if (!token) return null;
	const payload = verifySessionToken(token, ctx.sessionSecret, now);
	if (!payload) return null;
	const user = await getUser(ctx.store, payload.sub);
	return user && user.active ? toSessionUser(user) : null;
}
