import type { Crew, SessionUser } from '../domain';
import { crewDocId, crewSchema } from '../domain';
import { ForbiddenError } from './errors';
import { listOpenOrders, type OrderListItem } from './orders';
import type { CouchClient } from './store/couch-client';
import { DIRECTORY_DB } from './store/schema';

/** The open orders of the user's own crew: a crew member never sees another crew's work. */
export async function crewOrders(store: CouchClient, user: SessionUser): Promise<{ crew: Crew; orders: OrderListItem[] }> {
	if (user.role !== 'crew' || !user.crew) throw new ForbiddenError('Only crew members have a crew list');
	const crew = crewSchema.parse(await store.db(DIRECTORY_DB).get(crewDocId(user.crew)));
	const orders = await listOpenOrders(store, { crew: crew.id, from: crew.depot });
	return { crew, orders };
}
