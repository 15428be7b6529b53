// See https://svelte.dev/docs/kit/types#app.d.ts
import type { SessionUser } from '$lib/domain/user';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
			/** The language the error page speaks (resident pages, issue 07). */
			lang?: 'en' | 'es';
		}
		interface Locals {
			user: SessionUser | null;
		}
	}
}

export {};
