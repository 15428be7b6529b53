import { getContext } from '$lib/server/context';
import { boardEventStream } from '$lib/server/board-events';
import type { RequestHandler } from './$types';

/** Staff: the board's live changes as server-sent events (text/event-stream). */
export const GET: RequestHandler = ({ request }) => boardEventStream(getContext().boardFeed, request.signal);
