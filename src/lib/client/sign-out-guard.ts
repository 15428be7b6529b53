/**
 * Screens that hold work not yet on the server register a check here; signing out asks them first and
 * warns with what they say (issue 03: "signing out warns when actions have not synced yet").
 */
import { getContext, setContext } from 'svelte';

/** A warning to show before signing out, or null when there is nothing at risk. */
export type SignOutCheck = () => string | null;

export class SignOutGuards {
	#checks = new Set<SignOutCheck>();

	/** Registers a check; call the returned function to remove it (when the screen goes away). */
	add(check: SignOutCheck): () => void {
		this.#checks.add(check);
		return () => this.#checks.delete(check);
	}

	warnings(): string[] {
		return [...this.#checks].map((check) => check()).filter((w): w is string => w !== null);
	}
}

const KEY = Symbol('sign-out-guards');

export function provideSignOutGuards(guards: SignOutGuards): void {
	setContext(KEY, guards);
}

export function useSignOutGuards(): SignOutGuards {
	const guards = getContext<SignOutGuards | undefined>(KEY);
	if (!guards) throw new Error('useSignOutGuards() outside the root layout');
	return guards;
}
