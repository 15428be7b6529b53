// See https://svelte.dev/docs/kit/types#app.d.ts
import type { SessionUser } from '$lib/domain/user';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
		}
		interface Locals {
			user: SessionUser | null;
		}
	}
}

export {};
