import { loadBoard } from '$lib/server/board';
import { getContext } from '$lib/server/context';
import type { PageServerLoad } from './$types';

/** The board's first paint; the page then stays live through /api/board/events. */
export const load: PageServerLoad = async () => ({ board: await loadBoard(getContext().store) });
