import { z } from 'zod';
import { couchMeta, isoDateTime, slug } from './common';

export const ROLES = ['crew', 'supervisor', 'manager', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Who may change who does what (assign, reassign, resolve conflicts): managers look, crews work. */
export const DISPATCH_ROLES = ['supervisor', 'admin'] as const satisfies readonly Role[];
export const canDispatch = (role: Role): boolean => (DISPATCH_ROLES as readonly Role[]).includes(role);

export const usernameSchema = z
	.string()
	.min(2)
	.max(64)
	.regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, ".", "_" or "-"');

export const userSchema = z
	.object({
		...couchMeta,
		type: z.literal('user'),
		id: usernameSchema,
		name: z.string().min(1).max(200),
		role: roleSchema,
		/** The crew a crew member belongs to; null for every other role. */
		crew: slug.nullable(),
		password_hash: z.string().min(1),
		active: z.boolean().default(true),
		created_at: isoDateTime
	})
	.refine((u) => (u.role === 'crew') === (u.crew !== null), {
		message: 'a crew member needs a crew, other roles have none',
		path: ['crew']
	});
export type User = z.infer<typeof userSchema>;

/** What the client and the session cookie know about a user: never the password hash. */
export const sessionUserSchema = z.object({
	id: usernameSchema,
	name: z.string(),
	role: roleSchema,
	crew: slug.nullable()
});
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const userDocId = (id: string) => `user:${id}`;

export function toSessionUser(user: User): SessionUser {
	return { id: user.id, name: user.name, role: user.role, crew: user.crew };
}

/** Where each role lands after signing in (server redirects and the offline client use the same rule). */
export function homePathFor(role: Role): '/crew' | '/board' | '/reports' {
	return role === 'crew' ? '/crew' : role === 'manager' ? '/reports' : '/board';
}
