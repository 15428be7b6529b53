import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/lib/server/config';

describe('configuration', () => {
	it('has working defaults for the demo', () => {
		const c = parseConfig({});
		expect(c.SEED).toBe('demo');
		expect(c.STORE_PORT).toBe(5985);
		expect(c.COUCHDB_URL).toBeUndefined();
		expect(c.dataDir.endsWith('/data')).toBe(true);
	});
	it('treats empty strings as unset', () => {
		expect(parseConfig({ COUCHDB_URL: '', SEED: '' }).SEED).toBe('demo');
	});
	it('names the variable to fix', () => {
		expect(() => parseConfig({ STORE_PORT: 'abc' })).toThrow(/STORE_PORT/);
		expect(() => parseConfig({ SEED: 'lots' })).toThrow(/SEED/);
		expect(() => parseConfig({ COUCHDB_URL: 'localhost:5984' })).toThrow(/COUCHDB_URL must be an http\(s\) URL/);
		expect(() => parseConfig({ SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET must be at least 32/);
		expect(() => parseConfig({ CITY_TIME_ZONE: 'Mars/Olympus' })).toThrow(ConfigError);
	});
	it('accepts an external CouchDB with credentials', () => {
		expect(parseConfig({ COUCHDB_URL: 'http://admin:pw@127.0.0.1:5984' }).COUCHDB_URL).toBe('http://admin:pw@127.0.0.1:5984');
	});
});
