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
	it('resident loop settings: public URL, mail, jurisdiction, uploads and the service area', () => {
		const d = parseConfig({ PORT: '8080' });
		expect(d.publicUrl).toBe('http://localhost:8080');
		expect(d.SMTP_URL).toBeUndefined();
		expect(d.OPEN311_JURISDICTION_ID).toBe('sfgov.org');
		expect(d.MAX_UPLOAD_BYTES).toBe(10 * 1024 * 1024);
		expect(d.SERVICE_AREA_BBOX).toEqual({ west: -122.5155, south: 37.703, east: -122.355, north: 37.8324 });
		const c = parseConfig({ PUBLIC_URL: 'https://311.example.gov/', SMTP_URL: 'smtps://u:p@mail.example.gov:465', SERVICE_AREA_BBOX: '-1, 2, 3, 4' });
		expect(c.publicUrl).toBe('https://311.example.gov');
		expect(c.SERVICE_AREA_BBOX).toEqual({ west: -1, south: 2, east: 3, north: 4 });
		expect(() => parseConfig({ PUBLIC_URL: 'ftp://x' })).toThrow(/PUBLIC_URL must be an http\(s\) URL/);
		expect(() => parseConfig({ SMTP_URL: 'mail.example.gov' })).toThrow(/SMTP_URL must be an smtp/);
		expect(() => parseConfig({ SERVICE_AREA_BBOX: '3,2,1,4' })).toThrow(/SERVICE_AREA_BBOX/);
		expect(() => parseConfig({ MAX_UPLOAD_BYTES: '0' })).toThrow(/MAX_UPLOAD_BYTES/);
	});
});
