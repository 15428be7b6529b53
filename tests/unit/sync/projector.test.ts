import { describe, expect, it } from 'vitest';
import { policyFromDays, projectOrder, targetCrew } from '../../../src/lib/server/sync/projector';
import { workOrder } from '../domain/fixtures';

const NOW = Date.parse('2024-05-10T12:00:00Z');
const policy = policyFromDays(2, () => NOW);

describe('projector: which crew database an order belongs in', () => {
	it('an open assigned order goes to its crew', () => {
		expect(targetCrew(workOrder({ crew: 'crew-a', status: 'en_route' }), policy)).toBe('crew-a');
	});
	it('an unassigned order goes nowhere', () => {
		expect(targetCrew(workOrder({ crew: null, status: 'new' }), policy)).toBeNull();
	});
	it('a closed order stays for the window, then leaves', () => {
		const closedRecently = workOrder({ crew: 'crew-a', status: 'closed', closed_datetime: '2024-05-09T12:00:00Z' });
		const closedLongAgo = workOrder({ crew: 'crew-a', status: 'closed', closed_datetime: '2024-05-07T11:59:00Z' });
		expect(targetCrew(closedRecently, policy)).toBe('crew-a');
		expect(targetCrew(closedLongAgo, policy)).toBeNull();
	});
	it('the projected copy has no reporter data and carries the master revision', () => {
		const order = workOrder({
			_rev: '7-abc',
			reporter: { first_name: 'Pat', last_name: 'Doe', email: 'pat@example.org', phone: '555', notify: true, lang: 'en' }
		});
		const copy = projectOrder(order as typeof order & { _rev: string });
		expect(copy).not.toHaveProperty('reporter');
		expect(copy).not.toHaveProperty('_rev');
		expect(copy.source_rev).toBe('7-abc');
		expect(JSON.stringify(copy)).not.toContain('pat@example.org');
	});
});
