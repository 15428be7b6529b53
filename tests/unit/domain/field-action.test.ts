import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
	ACTION_TYPES,
	actionDocId,
	FIELD_ACTION_TYPES,
	fieldActionSchema,
	type ActionType
} from '../../../src/lib/domain';
import { at, jpeg, ORDER_ID, rawAction, uuid } from './fixtures';

/** Parses `doc`, expects a refusal and returns its issues. */
function refusal(doc: unknown): z.core.$ZodIssue[] {
	const result = fieldActionSchema.safeParse(doc);
	expect(result.success, 'expected the schema to refuse the document').toBe(false);
	return result.error?.issues ?? [];
}

/** Expects a refusal with at least one issue exactly at `path`. */
function expectRefusedAt(doc: unknown, path: readonly PropertyKey[]): z.core.$ZodIssue {
	const issues = refusal(doc);
	const hit = issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
	expect(hit, `issues were at ${JSON.stringify(issues.map((i) => i.path))}`).toBeDefined();
	if (!hit) throw new Error('unreachable');
	return hit;
}

/** One valid document per action type, as a tablet (or the supervisor board) would write it. */
const VALID: Record<ActionType, () => Record<string, unknown>> = {
	en_route: () => rawAction('en_route', {}),
	on_site: () => rawAction('on_site', {}),
	note: () => rawAction('note', { text: 'Cones placed', visibility: 'internal' }),
	photo: () =>
		rawAction(
			'photo',
			{ attachment: 'before-1.jpg', kind: 'before', caption: 'as found', lat: 37.79, long: -122.39, taken_at: at(5) },
			{ attachments: { 'before-1.jpg': jpeg() } }
		),
	close: () =>
		rawAction(
			'close',
			{ resolution_code: 'repaired', public_note: 'Filled with cold mix', after_photo: 'after.jpg' },
			{ attachments: { 'after.jpg': jpeg() } }
		),
	reroute: () => rawAction('reroute', { to: { kind: 'department', department: 'sfmta' }, reason: 'Traffic signal, not ours' }),
	duplicate: () => rawAction('duplicate', { of: '99', note: 'Same hole' }),
	position: () => rawAction('position', { lat: 37.77, long: -122.41, accuracy_m: 8 }),
	assign: () => rawAction('assign', { crew: 'crew-b' }, { crew: null, author: 'sam.supervisor' }),
	unassign: () => rawAction('unassign', { reason: 'Crew sick' }, { crew: null, author: 'sam.supervisor' }),
	set_priority: () => rawAction('set_priority', { priority: 'urgent' }, { crew: null, author: 'sam.supervisor' }),
	set_department: () => rawAction('set_department', { department: 'sfmta', reason: 'Signal, not a street' }, { crew: null, author: 'sam.supervisor' }),
	set_service_type: () => rawAction('set_service_type', { service_code: 'sidewalk' }, { crew: null, author: 'sam.supervisor' })
};

describe('fieldActionSchema: valid actions', () => {
	it('covers all 13 action types, 8 of them writable by crews', () => {
		expect([...ACTION_TYPES].sort()).toEqual(Object.keys(VALID).sort());
		expect(ACTION_TYPES).toHaveLength(13);
		expect([...FIELD_ACTION_TYPES].sort()).toEqual(
			['close', 'duplicate', 'en_route', 'note', 'on_site', 'photo', 'position', 'reroute'].sort()
		);
		for (const supervisorOnly of ['assign', 'unassign', 'set_priority', 'set_department', 'set_service_type']) {
			expect(FIELD_ACTION_TYPES as readonly string[]).not.toContain(supervisorOnly);
		}
	});

	it.each(ACTION_TYPES)('parses a valid %s action and keeps its payload', (type) => {
		const doc = VALID[type]();
		const parsed = fieldActionSchema.parse(doc);
		expect(parsed.action).toBe(type);
		expect(parsed.payload).toEqual(doc['payload']);
		expect(parsed._id).toBe(actionDocId(parsed.id));
	});

	it('accepts optional payload fields being absent', () => {
		expect(fieldActionSchema.safeParse(rawAction('close', { resolution_code: 'repaired' })).success).toBe(true);
		expect(fieldActionSchema.safeParse(rawAction('unassign', {}, { crew: null })).success).toBe(true);
		expect(fieldActionSchema.safeParse(rawAction('duplicate', { of: '99' })).success).toBe(true);
		expect(fieldActionSchema.safeParse(rawAction('position', { lat: 0, long: 0 })).success).toBe(true);
	});

	it('accepts replicated attachment stubs and binary attachment data', () => {
		const stub = rawAction(
			'photo',
			{ attachment: 'p.png', kind: 'progress' },
			{ attachments: { 'p.png': { content_type: 'image/png', stub: true, length: 1234, digest: 'md5-abc', revpos: 1 } } }
		);
		expect(fieldActionSchema.safeParse(stub).success).toBe(true);
		const bytes = rawAction(
			'photo',
			{ attachment: 'p.webp', kind: 'progress' },
			{ attachments: { 'p.webp': { content_type: 'image/webp', data: new Uint8Array([82, 73, 70, 70]) } } }
		);
		expect(fieldActionSchema.safeParse(bytes).success).toBe(true);
	});

	it('accepts device times with a numeric offset, and a base_rev of null', () => {
		const doc = rawAction('en_route', {}, { time: '2024-05-01T10:00:00.123-07:00', baseRev: null });
		expect(fieldActionSchema.parse(doc).device_time).toBe('2024-05-01T10:00:00.123-07:00');
	});

	it('trims reroute reasons and note texts', () => {
		const reroute = fieldActionSchema.parse(
			rawAction('reroute', { to: { kind: 'crew', crew: 'crew-b' }, reason: '  closer to them  ' })
		);
		expect(reroute.action === 'reroute' && reroute.payload.reason).toBe('closer to them');
	});
});

describe('fieldActionSchema: refusals', () => {
	it('refuses an unknown action type at "action"', () => {
		const issue = expectRefusedAt(rawAction('teleport', {}), ['action']);
		expect(issue.code).toBe('invalid_union');
	});

	it.each<[ActionType, Record<string, unknown>]>([
		['en_route', { eta_min: 5 }],
		['note', { text: 'x', visibility: 'public', pinned: true }],
		['close', { resolution_code: 'repaired', crew: 'crew-b' }],
		['assign', { crew: 'crew-b', priority: 'high' }],
		['position', { lat: 1, long: 2, heading: 90 }]
	])('refuses an extra key in a %s payload (payloads are strict)', (type, payload) => {
		const issue = expectRefusedAt(rawAction(type, payload, { crew: type === 'assign' ? null : 'crew-a' }), ['payload']);
		expect(issue.code).toBe('unrecognized_keys');
	});

	it('refuses an extra key inside a reroute target', () => {
		const doc = rawAction('reroute', { to: { kind: 'crew', crew: 'crew-b', department: 'dpw' }, reason: 'because' });
		expect(expectRefusedAt(doc, ['payload', 'to']).code).toBe('unrecognized_keys');
	});

	it('refuses an _id that is not "action:<id>"', () => {
		const doc = { ...rawAction('en_route', {}, { n: 1 }), _id: `action:${uuid(2)}` };
		expect(expectRefusedAt(doc, ['_id']).message).toBe('_id must be "action:<id>"');
		const bare = { ...rawAction('en_route', {}, { n: 1 }), _id: uuid(1) };
		expectRefusedAt(bare, ['_id']);
	});

	it.each(['not-a-uuid', '12345', 'g0000000-0000-4000-8000-000000000001', ''])('refuses the non-UUID id %j', (id) => {
		const doc = { ...rawAction('en_route', {}), id, _id: actionDocId(id) };
		expectRefusedAt(doc, ['id']);
	});

	it('refuses a position action that names an order', () => {
		const doc = rawAction('position', { lat: 1, long: 2 }, { orderId: ORDER_ID });
		expect(expectRefusedAt(doc, ['order_id']).message).toMatch(/only position actions have none/);
	});

	it.each<ActionType>(['en_route', 'note', 'close', 'assign'])('refuses a %s action without an order_id', (type) => {
		const doc = { ...VALID[type](), order_id: null };
		expectRefusedAt(doc, ['order_id']);
	});

	it('refuses a photo action whose attachment is missing from _attachments', () => {
		const none = rawAction('photo', { attachment: 'a.jpg', kind: 'after' });
		expect(expectRefusedAt(none, ['_attachments']).message).toMatch(/attachment of the same name/);
		const otherName = rawAction('photo', { attachment: 'a.jpg', kind: 'after' }, { attachments: { 'b.jpg': jpeg() } });
		expectRefusedAt(otherName, ['_attachments']);
	});

	it('refuses a close whose after_photo is not attached', () => {
		const doc = rawAction('close', { resolution_code: 'repaired', after_photo: 'after.jpg' });
		expect(expectRefusedAt(doc, ['_attachments']).message).toMatch(/after photo must be attached/);
	});

	it.each(['image/gif', 'image/svg+xml', 'application/pdf', 'text/html'])(
		'refuses an attachment of content type %s',
		(contentType) => {
			const doc = rawAction(
				'photo',
				{ attachment: 'a.jpg', kind: 'after' },
				{ attachments: { 'a.jpg': { content_type: contentType, data: 'AAAA' } } }
			);
			expectRefusedAt(doc, ['_attachments', 'a.jpg']);
		}
	);

	it('refuses attachment names that could escape a path', () => {
		const doc = rawAction('photo', { attachment: '../x.jpg', kind: 'after' }, { attachments: { '../x.jpg': jpeg() } });
		const issues = refusal(doc);
		expect(issues.some((i) => i.path[0] === 'payload' && i.path[1] === 'attachment')).toBe(true);
	});

	it.each(['2024-05-01T10:00:00', '2024-05-01 10:00:00Z', '2024-05-01', 'yesterday'])(
		'refuses the device_time %j (an explicit offset is required)',
		(time) => {
			expect(expectRefusedAt(rawAction('en_route', {}, { time }), ['device_time']).code).toBe('invalid_format');
		}
	);

	it.each(['', 'ok', '  a  ', '     '])('refuses the reroute reason %j (at least 3 characters once trimmed)', (reason) => {
		const doc = rawAction('reroute', { to: { kind: 'crew', crew: 'crew-b' }, reason });
		expect(expectRefusedAt(doc, ['payload', 'reason']).message).toBe('give a reason (at least 3 characters)');
	});

	it('refuses an unknown reroute target kind', () => {
		const doc = rawAction('reroute', { to: { kind: 'contractor', name: 'ACME' }, reason: 'outsourced' });
		expectRefusedAt(doc, ['payload', 'to', 'kind']);
	});

	it.each<[string, number, number, 'lat' | 'long']>([
		['NaN latitude', Number.NaN, 0, 'lat'],
		['latitude above 90', 90.0001, 0, 'lat'],
		['latitude below -90', -91, 0, 'lat'],
		['infinite latitude', Number.POSITIVE_INFINITY, 0, 'lat'],
		['longitude above 180', 0, 180.5, 'long'],
		['NaN longitude', 0, Number.NaN, 'long']
	])('refuses a position with a %s', (_label, lat, long, field) => {
		expectRefusedAt(rawAction('position', { lat, long }), ['payload', field]);
	});

	it('refuses a photo with an out-of-range latitude', () => {
		const doc = rawAction('photo', { attachment: 'a.jpg', kind: 'after', lat: 123 }, { attachments: { 'a.jpg': jpeg() } });
		expectRefusedAt(doc, ['payload', 'lat']);
	});

	it('refuses blank note texts and unknown visibilities', () => {
		expectRefusedAt(rawAction('note', { text: '   ', visibility: 'public' }), ['payload', 'text']);
		expectRefusedAt(rawAction('note', { text: 'hi', visibility: 'everyone' }), ['payload', 'visibility']);
	});

	it('refuses an unknown priority and a crew id that is not a slug', () => {
		expectRefusedAt(rawAction('set_priority', { priority: 'asap' }, { crew: null }), ['payload', 'priority']);
		expectRefusedAt(rawAction('assign', { crew: 'Crew B' }, { crew: null }), ['payload', 'crew']);
	});

	it('refuses a document that is not a field_action', () => {
		expectRefusedAt({ ...rawAction('en_route', {}), type: 'work_order' }, ['type']);
		expect(fieldActionSchema.safeParse(null).success).toBe(false);
		expect(fieldActionSchema.safeParse('action').success).toBe(false);
	});

	it('refuses a missing payload without throwing', () => {
		const doc = rawAction('photo', undefined);
		delete doc['payload'];
		expectRefusedAt(doc, ['payload']);
	});
});
