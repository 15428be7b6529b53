import { getContext } from '$lib/server/context';
import { crewOrders } from '$lib/server/crew-orders';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { crew, orders } = await crewOrders(getContext().store, locals.user!);
	return { crew: { id: crew.id, name: crew.name, depot: crew.depot }, orders };
};
