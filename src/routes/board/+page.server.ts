import { getContext } from '$lib/server/context';
import { listCrews, listDepartments } from '$lib/server/directory';
import { listOpenOrders } from '$lib/server/orders';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => {
	const store = getContext().store;
	const [orders, crews, departments] = await Promise.all([listOpenOrders(store), listCrews(store), listDepartments(store)]);
	return {
		orders,
		crews: crews.map((c) => ({ id: c.id, name: c.name })),
		departments: departments.map((d) => ({ id: d.id, name: d.name }))
	};
};
