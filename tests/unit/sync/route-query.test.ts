import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/lib/server/errors';
import { CouchClient } from '../../../src/lib/server/store/couch-client';
import { ALL_DOCS_QUERY, CHANGES_DEFAULT_HEARTBEAT_MS, CHANGES_MAX_HEARTBEAT_MS, DOC_QUERY, vetChangesQuery, vetQuery } from '../../../src/lib/server/sync/query';
import { parseSyncPath } from '../../../src/lib/server/sync/route';

function status(fn: () => unknown): number {
	try {
		fn();
	} catch (e) {
		if (e instanceof AppError) return e.status;
		throw e;
	}
	throw new Error('expected a refusal');
}

describe('parseSyncPath', () => {
	it.each([
		['/sync', { kind: 'root' }],
		['/sync/', { kind: 'root' }],
		['/sync/crew-a', { kind: 'database', db: 'crew-a' }],
		['/sync/crew-a/', { kind: 'database', db: 'crew-a' }],
		['/sync/crew-a/_changes', { kind: 'endpoint', db: 'crew-a', endpoint: '_changes' }],
		['/sync/crew-a/_bulk_docs/', { kind: 'endpoint', db: 'crew-a', endpoint: '_bulk_docs' }],
		['/sync/crew-a/_local/abc%3D%3D', { kind: 'local', db: 'crew-a', id: 'abc==' }],
		['/sync/crew-a/_local%2Fabc', { kind: 'local', db: 'crew-a', id: 'abc' }],
		['/sync/crew-a/action%3A1', { kind: 'doc', db: 'crew-a', id: 'action:1' }],
		['/sync/crew-a/order%3Aa%2Fb', { kind: 'doc', db: 'crew-a', id: 'order:a/b' }],
		['/sync/crew-a/action%3A1/before.jpg', { kind: 'attachment', db: 'crew-a', id: 'action:1', name: 'before.jpg' }],
		['/sync/crew-a/_design/x/_view/y', { kind: 'special', db: 'crew-a', name: '_design' }],
		['/sync/crew-a/_design%2Fx', { kind: 'special', db: 'crew-a', name: '_design' }],
		['/sync/crew-a/_find', { kind: 'special', db: 'crew-a', name: '_find' }],
		['/sync/crew-a/%5Fsecurity', { kind: 'special', db: 'crew-a', name: '_security' }]
	])('%s', (path, target) => {
		expect(parseSyncPath(path)).toEqual(target);
	});

	it.each([
		['/sync/_all_dbs', 404],
		['/sync/Crew-A/', 404],
		['/sync/crew%2Fa/', 404],
		['/sync/crew-a//', 404],
		['/sync/crew-a/_local', 404],
		['/sync/crew-a/_local/x/y', 404],
		['/sync/crew-a/_changes/x', 404],
		['/sync/crew-a/%E0%A4%A', 400],
		[`/sync/crew-a/${'x'.repeat(600)}`, 400]
	])('%s is refused with %i', (path, code) => {
		expect(status(() => parseSyncPath(path))).toBe(code);
	});
});

describe('vetQuery', () => {
	it('forwards known, valid parameters re-encoded and drops unknown ones', () => {
		const q = vetQuery(new URLSearchParams({ revs: 'true', open_revs: '["1-abc"]', _nonce: '123', evil: 'x' }), DOC_QUERY);
		expect([...q.keys()]).toEqual(['revs', 'open_revs']);
		expect(q.get('open_revs')).toBe('["1-abc"]');
		expect(vetQuery(new URLSearchParams({ open_revs: 'all' }), DOC_QUERY).get('open_revs')).toBe('all');
		expect(vetQuery(new URLSearchParams({ startkey: '"action:"' }), ALL_DOCS_QUERY).get('startkey')).toBe('"action:"');
	});

	it.each([
		[{ revs: 'yes' }],
		[{ rev: 'not a rev' }],
		[{ open_revs: '[1,2]' }],
		[{ open_revs: 'not json' }],
		[{ atts_since: '"1-a"' }]
	])('refuses %o with 400', (params) => {
		expect(status(() => vetQuery(new URLSearchParams(params), DOC_QUERY))).toBe(400);
	});

	it('refuses a parameter given twice', () => {
		expect(status(() => vetQuery(new URLSearchParams('revs=true&revs=false'), DOC_QUERY))).toBe(400);
	});
});

describe('vetChangesQuery', () => {
	it('gives a long poll a heartbeat and clamps a silly one', () => {
		expect(vetChangesQuery(new URLSearchParams({ feed: 'longpoll', since: '0' })).query.get('heartbeat')).toBe(String(CHANGES_DEFAULT_HEARTBEAT_MS));
		expect(vetChangesQuery(new URLSearchParams({ feed: 'continuous', heartbeat: '99999999' })).query.get('heartbeat')).toBe(
			String(CHANGES_MAX_HEARTBEAT_MS)
		);
		expect(vetChangesQuery(new URLSearchParams({ since: '0' })).query.has('heartbeat')).toBe(false);
	});

	it('allows only the _doc_ids and _selector filters (403 otherwise) and the three feeds', () => {
		expect(vetChangesQuery(new URLSearchParams({ filter: '_doc_ids' })).filter).toBe('_doc_ids');
		expect(status(() => vetChangesQuery(new URLSearchParams({ filter: 'app/by_crew' })))).toBe(403);
		expect(status(() => vetChangesQuery(new URLSearchParams({ filter: '_view' })))).toBe(403);
		expect(status(() => vetChangesQuery(new URLSearchParams({ feed: 'eventsource' })))).toBe(400);
	});
});

describe('CouchClient.redact', () => {
	it('removes the store URL, host and password from text', () => {
		const client = new CouchClient('http://fieldwork:s3cr%2Ft@127.0.0.1:5985');
		const text = client.redact('failed at http://127.0.0.1:5985/crew-a (127.0.0.1:5985) with s3cr/t and s3cr%2Ft');
		expect(text).not.toMatch(/5985|s3cr/);
	});
});
