/**
 * A crew added to the directory while the app runs (found by npm run bench:load, which adds 100): its orders
 * reach its database at once, and its database and every crew's catalog are made within the runner's
 * 30-second look at the crew list, not at the projector's next sweep (10 minutes) or a restart. Before,
 * an order assigned to the new crew before its database existed was left out of it, and the database came
 * without the catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_DOC_ID, crewDbName, crewDocId, crewSchema, type BoardOrder, type CrewCatalog } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';

const RUNNER_CREW_LIST_MS = 30_000; // runner.ts CREW_LIST_INTERVAL_MS

let app: RunningApp;
let store: CouchClient;
let supervisor: Session;

beforeAll(async () => {
	app = await startApp({ env: { SEED: 'demo' } });
	store = await storeOf(app.dataDir);
	supervisor = new Session(app.url);
	expect((await supervisor.login('supervisor', DEMO_PASSWORD)).status).toBe(200);
});
afterAll(async () => {
	expect(app.logs()).not.toMatch(/\[(projector|runner)\][^\n]*(failed|stopped)/);
	await app?.stop();
});

const addCrew = (id: string) =>
	store.db('directory').put(
		crewSchema.parse({
			_id: crewDocId(id),
			type: 'crew',
			id,
			name: `Crew ${id}`,
			department: 'dpw',
			members: [],
			depot: { name: 'Depot', lat: 37.78, long: -122.41 },
			service_codes: [],
			last_position: null
		})
	);

const catalogOf = (crew: string) => store.db(crewDbName(crew)).getOrNull<CrewCatalog>(CATALOG_DOC_ID);

describe('a crew added while the app runs', () => {
	it('gets the orders assigned to it at once, in a database with the catalog', async () => {
		await addCrew('late-crew');
		const board = (await (await supervisor.request('GET', '/api/board')).json()) as { orders: BoardOrder[] };
		const order = board.orders.find((o) => o.status === 'new' && o.crew === null && o.department === 'dpw')!;
		const res = await supervisor.request('POST', '/api/dispatch/bulk', { orders: [order.service_request_id], action: 'assign', payload: { crew: 'late-crew' } });
		expect(res.status).toBe(200);
		// Well before the runner's next look at the crew list.
		const copy = await eventually(() => store.db(crewDbName('late-crew')).getOrNull<{ source_rev: string }>(`order:${order.service_request_id}`).then((d) => d ?? undefined), 10_000, 100);
		expect(copy.source_rev).toMatch(/^\d+-/);
		expect((await catalogOf('late-crew'))?.crews.map((c) => c.id)).toContain('late-crew');
	});

	it('without orders, gets its database and catalog within the runner\'s look at the crew list; the other crews\' catalogs name it', async () => {
		await addCrew('later-crew');
		const catalog = await eventually(() => catalogOf('later-crew').then((c) => c ?? undefined), RUNNER_CREW_LIST_MS + 15_000, 500);
		expect(catalog.crews.map((c) => c.id)).toContain('later-crew');
		expect((await catalogOf('dpw-cleaning-1'))?.crews.map((c) => c.id)).toContain('later-crew');
	});
});
