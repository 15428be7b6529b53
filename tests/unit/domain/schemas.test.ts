import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
	conflictSchema,
	crewDbName,
	crewSchema,
	DEFAULT_DUPLICATE_RADIUS_M,
	DEFAULT_DUPLICATE_WINDOW_HOURS,
	departmentSchema,
	DESCRIPTION_MAX,
	haversineMeters,
	serviceTypeSchema,
	sessionUserSchema,
	toCrewWorkOrder,
	toSessionUser,
	userSchema,
	workOrderDocId,
	workOrderSchema
} from '../../../src/lib/domain';
import { ASSIGNED_AT, workOrder } from './fixtures';

/** Expects `schema` to refuse `input` with an issue exactly at `path`. */
function expectRefusedAt(schema: z.ZodType, input: unknown, path: readonly PropertyKey[]): void {
	const result = schema.safeParse(input);
	expect(result.success, 'expected a refusal').toBe(false);
	const paths = (result.error?.issues ?? []).map((i) => JSON.stringify(i.path));
	expect(paths).toContain(JSON.stringify(path));
}

/** A valid work order as plain JSON (what a replicated document looks like before parsing). */
function orderJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return { ...structuredClone(workOrder()), ...overrides };
}

describe('workOrderSchema', () => {
	it('parses a valid order and fills the defaults of a minimal one', () => {
		expect(workOrderSchema.safeParse(orderJson()).success).toBe(true);
		const minimal = orderJson();
		for (const key of ['attributes', 'assignments', 'public_notes', 'history', 'photos', 'applied_action_ids', 'flags']) {
			delete minimal[key];
		}
		const parsed = workOrderSchema.parse(minimal);
		expect(parsed.assignments).toEqual([]);
		expect(parsed.history).toEqual([]);
		expect(parsed.applied_action_ids).toEqual([]);
		expect(parsed.attributes).toEqual({});
	});

	it.each<[string, Record<string, unknown>, PropertyKey[]]>([
		['an Open311 status instead of a workflow status', { status: 'open' }, ['status']],
		['an unknown priority', { priority: 'asap' }, ['priority']],
		['a latitude out of range', { lat: 91 }, ['lat']],
		['a NaN longitude', { long: Number.NaN }, ['long']],
		['a requested_datetime without offset', { requested_datetime: '2024-05-01T07:00:00' }, ['requested_datetime']],
		['an updated_datetime that is not a date', { updated_datetime: 'soon' }, ['updated_datetime']],
		['a description over the Open311 limit', { description: 'x'.repeat(DESCRIPTION_MAX + 1) }, ['description']],
		['a service code that is not a slug', { service_code: 'Pot Hole' }, ['service_code']],
		['a crew id that is not a slug', { crew: 'Crew A' }, ['crew']],
		['an empty service_request_id', { service_request_id: '' }, ['service_request_id']],
		['another document type', { type: 'service_request' }, ['type']],
		['a reporter email that is not an email', { reporter: { email: 'not-an-email' } }, ['reporter', 'email']],
		['an attribute that is a number', { attributes: { depth_cm: 30 } }, ['attributes', 'depth_cm']],
		['an assignment without a time offset', { assignments: [{ crew: 'crew-a', from: '2024-05-01' }] }, ['assignments', 0, 'from']],
		[
			'a history entry with an unknown outcome',
			{
				history: [
					{
						action_id: 'x',
						action: 'note',
						at: ASSIGNED_AT,
						by: 'alice',
						crew: null,
						outcome: 'duplicate',
						summary: 's',
						visibility: 'internal'
					}
				]
			},
			['history', 0, 'outcome']
		],
		['a photo of an unknown kind', { photos: [{ action_id: 'x', attachment: 'a.jpg', kind: 'selfie', at: ASSIGNED_AT, public: false }] }, ['photos', 0, 'kind']]
	])('refuses %s', (_label, overrides, path) => {
		expectRefusedAt(workOrderSchema, orderJson(overrides), path);
	});

	it('refuses an order missing a required field', () => {
		const doc = orderJson();
		delete doc['department'];
		expectRefusedAt(workOrderSchema, doc, ['department']);
	});

	it('projects an order for a crew without the reporter\'s private data', () => {
		const order = workOrder();
		expect(order.reporter?.email).toBe('rita@example.org');
		const projected = toCrewWorkOrder(order);
		expect(projected).not.toHaveProperty('reporter');
		expect(JSON.stringify(projected)).not.toContain('rita@example.org');
		expect(projected.service_request_id).toBe(order.service_request_id);
		expect(order.reporter).not.toBeNull();
		expect(workOrderDocId('101')).toBe('order:101');
	});
});

describe('userSchema', () => {
	const user = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
		_id: 'user:alice',
		type: 'user',
		id: 'alice',
		name: 'Alice Field',
		role: 'crew',
		crew: 'crew-a',
		password_hash: 'scrypt$abc',
		created_at: '2024-01-01T00:00:00Z',
		...overrides
	});

	it('accepts a crew member with a crew and defaults active to true', () => {
		const parsed = userSchema.parse(user());
		expect(parsed.active).toBe(true);
		expect(parsed.crew).toBe('crew-a');
	});

	it.each(['supervisor', 'manager', 'admin'])('accepts a %s without a crew', (role) => {
		expect(userSchema.safeParse(user({ id: 'sam', role, crew: null })).success).toBe(true);
	});

	it('refuses a crew member without a crew', () => {
		const result = userSchema.safeParse(user({ crew: null }));
		expect(result.success).toBe(false);
		expect(result.error?.issues).toEqual([
			expect.objectContaining({ path: ['crew'], message: 'a crew member needs a crew, other roles have none' })
		]);
	});

	it.each(['supervisor', 'manager', 'admin'])('refuses a %s who belongs to a crew', (role) => {
		expectRefusedAt(userSchema, user({ role, crew: 'crew-a' }), ['crew']);
	});

	it.each<[string, Record<string, unknown>, PropertyKey[]]>([
		['an unknown role', { role: 'superuser' }, ['role']],
		['an upper-case username', { id: 'Alice' }, ['id']],
		['a one-letter username', { id: 'a' }, ['id']],
		['an empty password hash', { password_hash: '' }, ['password_hash']],
		['a created_at without offset', { created_at: '2024-01-01T00:00:00' }, ['created_at']]
	])('refuses %s', (_label, overrides, path) => {
		expectRefusedAt(userSchema, user(overrides), path);
	});

	it('the session view never carries the password hash', () => {
		const session = toSessionUser(userSchema.parse(user()));
		expect(session).toEqual({ id: 'alice', name: 'Alice Field', role: 'crew', crew: 'crew-a' });
		expect(sessionUserSchema.safeParse(session).success).toBe(true);
		expect(JSON.stringify(session)).not.toContain('scrypt');
	});
});

describe('serviceTypeSchema', () => {
	const serviceType = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
		_id: 'service_type:pothole',
		type: 'service_type',
		service_code: 'pothole',
		service_name: 'Pothole',
		description: 'Holes in the street',
		group: 'Streets',
		department: 'dpw',
		sla_hours: 72,
		resolution_codes: [{ code: 'repaired', label: 'Repaired' }],
		requires_after_photo: true,
		...overrides
	});

	it('accepts a service type and fills Open311 and duplicate-detection defaults', () => {
		const parsed = serviceTypeSchema.parse(serviceType());
		expect(parsed.open311_type).toBe('realtime');
		expect(parsed.keywords).toEqual([]);
		expect(parsed.attributes).toEqual([]);
		expect(parsed.duplicate_radius_m).toBe(DEFAULT_DUPLICATE_RADIUS_M);
		expect(parsed.duplicate_window_hours).toBe(DEFAULT_DUPLICATE_WINDOW_HOURS);
	});

	it('refuses a service type without resolution codes (nothing could ever close it)', () => {
		expectRefusedAt(serviceTypeSchema, serviceType({ resolution_codes: [] }), ['resolution_codes']);
		const missing = serviceType();
		delete missing['resolution_codes'];
		expectRefusedAt(serviceTypeSchema, missing, ['resolution_codes']);
	});

	it.each<[string, Record<string, unknown>, PropertyKey[]]>([
		['a resolution code that is not a slug', { resolution_codes: [{ code: 'Fixed It', label: 'Fixed' }] }, ['resolution_codes', 0, 'code']],
		['a resolution code without a label', { resolution_codes: [{ code: 'fixed', label: '' }] }, ['resolution_codes', 0, 'label']],
		['a zero SLA', { sla_hours: 0 }, ['sla_hours']],
		['a negative duplicate radius', { duplicate_radius_m: -5 }, ['duplicate_radius_m']],
		['an unknown Open311 type', { open311_type: 'manual' }, ['open311_type']],
		['a missing after-photo rule', { requires_after_photo: undefined }, ['requires_after_photo']],
		[
			'an attribute with an unknown datatype',
			{
				attributes: [{ variable: true, code: 'depth', datatype: 'float', required: false, order: 1, description: 'Depth' }]
			},
			['attributes', 0, 'datatype']
		]
	])('refuses %s', (_label, overrides, path) => {
		expectRefusedAt(serviceTypeSchema, serviceType(overrides), path);
	});
});

describe('crew, department and conflict schemas', () => {
	const crew = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
		_id: 'crew:crew-a',
		type: 'crew',
		id: 'crew-a',
		name: 'Streets A',
		department: 'dpw',
		members: ['alice'],
		depot: { lat: 37.75, long: -122.4, name: 'Cesar Chavez yard' },
		...overrides
	});

	it('accepts a crew with no known position yet', () => {
		const parsed = crewSchema.parse(crew());
		expect(parsed.last_position).toBeNull();
		expect(parsed.service_codes).toEqual([]);
		expect(crewDbName(parsed.id)).toBe('crew-crew-a');
	});

	it('refuses crew ids that would make an invalid CouchDB database name', () => {
		expectRefusedAt(crewSchema, crew({ id: 'Crew_A' }), ['id']);
		expectRefusedAt(crewSchema, crew({ id: '-crew' }), ['id']);
		expectRefusedAt(crewSchema, crew({ id: 'crew/a' }), ['id']);
	});

	it('refuses a depot off the map and a position without offset', () => {
		expectRefusedAt(crewSchema, crew({ depot: { lat: 100, long: 0, name: 'x' } }), ['depot', 'lat']);
		expectRefusedAt(crewSchema, crew({ last_position: { lat: 1, long: 1, at: '2024-05-01T10:00:00' } }), ['last_position', 'at']);
	});

	it('department: defaults agency queues, refuses an empty short name', () => {
		const dept = { _id: 'department:dpw', type: 'department', id: 'dpw', name: 'Public Works', short_name: 'DPW' };
		expect(departmentSchema.parse(dept).agency_queues).toEqual([]);
		expectRefusedAt(departmentSchema, { ...dept, short_name: '' }, ['short_name']);
	});

	it('conflict: refuses an unknown reason or state', () => {
		const conflict = {
			_id: 'conflict:x',
			type: 'conflict',
			action_id: 'x',
			order_id: '101',
			crew: 'crew-b',
			author: 'bob',
			action: 'close',
			device_time: ASSIGNED_AT,
			reason: 'not_assigned',
			message: 'crew crew-b did not hold this order',
			order_at_arrival: { status: 'assigned', crew: 'crew-a', updated_datetime: ASSIGNED_AT, rev: '3-abc' },
			created_at: ASSIGNED_AT,
			state: 'open',
			resolution: null
		};
		expect(conflictSchema.safeParse(conflict).success).toBe(true);
		expectRefusedAt(conflictSchema, { ...conflict, reason: 'bad_vibes' }, ['reason']);
		expectRefusedAt(conflictSchema, { ...conflict, state: 'resolved' }, ['state']);
	});
});

describe('haversineMeters', () => {
	it('is zero for the same point and symmetric', () => {
		const a = { lat: 37.7749, long: -122.4194 };
		const b = { lat: 37.8044, long: -122.2712 };
		expect(haversineMeters(a, a)).toBe(0);
		expect(haversineMeters(a, b)).toBeCloseTo(haversineMeters(b, a), 6);
	});

	it('gives known distances', () => {
		// One degree of latitude along a meridian is about 111.2 km on the mean sphere.
		expect(haversineMeters({ lat: 0, long: 0 }, { lat: 1, long: 0 })).toBeCloseTo(111_195, -1);
		// San Francisco City Hall to Oakland City Hall is about 13.4 km.
		const d = haversineMeters({ lat: 37.7793, long: -122.4193 }, { lat: 37.8053, long: -122.2725 });
		expect(d).toBeGreaterThan(13_000);
		expect(d).toBeLessThan(13_600);
	});

	it('handles antipodes without NaN', () => {
		const d = haversineMeters({ lat: 0, long: 0 }, { lat: 0, long: 180 });
		expect(d).toBeCloseTo(Math.PI * 6_371_008.8, 0);
	});
});
