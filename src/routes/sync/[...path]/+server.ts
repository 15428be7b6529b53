/**
 * The sync gateway's route: CouchDB replication for crew tablets (issue 02). Authentication and the
 * crew-only role rule ran in hooks.server.ts; everything else is in $lib/server/sync/gateway.ts.
 */
import { getContext } from '$lib/server/context';
import { handleSync } from '$lib/server/sync/gateway';
import type { RequestHandler } from './$types';

// PouchDB asks for the database root with a trailing slash ("/sync/crew-x/"). SvelteKit's default ('never')
// would answer that with a 308 redirect — never acceptable for a replicating POST or PUT.
export const trailingSlash = 'ignore';

const handler: RequestHandler = ({ request, url, locals }) => handleSync(getContext(), { request, url, user: locals.user });

export const GET = handler;
export const HEAD = handler;
export const POST = handler;
export const PUT = handler;
export const DELETE = handler;
