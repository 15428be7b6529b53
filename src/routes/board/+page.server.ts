import { canDispatch } from '$lib/domain';
import { loadBoard } from '$lib/server/board';
import { getContext } from '$lib/server/context';
import type { PageServerLoad } from './$types';

/** The board's first paint; the page then stays live through /api/board/events. */
export const load: PageServerLoad = async ({ locals }) => ({
	board: await loadBoard(getContext().store, new Date(), getContext().boardFeed.boardOrdersSource()),
	// Managers see the board without the controls their role may not use.
	canDispatch: canDispatch(locals.user!.role)
});
