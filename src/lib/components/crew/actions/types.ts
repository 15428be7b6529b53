import type { ActionRequest } from '$lib/crew/crew-app.svelte';

/** Records an action; resolves with null when saved on the tablet, or with the message to show. */
export type Act = (request: ActionRequest) => Promise<string | null>;
