import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { haversineMeters } from '../../../src/lib/domain/common';
import { Geocoder, loadGeocoder } from '../../../src/lib/server/geocode';

const AREA_DIR = 'map-data/sf-downtown';
/** How far a geocoded corner may be from the real one: half a street's width. */
const CORNER_TOLERANCE_M = 60;

// Corners read from the OSM extract (the traffic-signal node both streets' ways pass through).
const MARKET_5TH = { lat: 37.7840127, long: -122.4080709 }; // osm.org/node/1723739163
const MISSION_3RD = { lat: 37.7862613, long: -122.4020414 }; // osm.org/node/65300097

let geocoder: Geocoder;
beforeAll(async () => {
	const loaded = await loadGeocoder(AREA_DIR);
	if (!loaded) throw new Error(`no streets.json in ${AREA_DIR}: run npm run streets`);
	geocoder = loaded;
});

describe('geocoder over the sf-downtown streets', () => {
	it('places an intersection on its corner', () => {
		const r = geocoder.geocode('Market St & 5th St');
		expect(r).toMatchObject({ precision: 'intersection', matched: 'Market Street & 5th Street' });
		expect(haversineMeters(r!, MARKET_5TH)).toBeLessThan(CORNER_TOLERANCE_M);
	});

	it('reads the SF 311 "Intersection of" form', () => {
		for (const text of ['Intersection of Mission St and 3rd St', 'Intersection of MISSION ST and 03RD ST', 'Mission St / 3rd St']) {
			const r = geocoder.geocode(text);
			expect(r?.precision, text).toBe('intersection');
			expect(haversineMeters(r!, MISSION_3RD), text).toBeLessThan(CORNER_TOLERANCE_M);
		}
	});

	it('agrees across case, abbreviation, ordinal, separator and order variants', () => {
		const expected = geocoder.geocode('Market St & 5th St');
		for (const text of ['MARKET STREET & FIFTH STREET', 'market st. and 5th st.', 'Market and 5th', '5th St at Market St', 'Fifth @ Market, San Francisco, CA 94103']) {
			const r = geocoder.geocode(text);
			expect(r?.precision, text).toBe('intersection');
			expect({ lat: r?.lat, long: r?.long }, text).toEqual({ lat: expected!.lat, long: expected!.long });
		}
		const street = geocoder.geocode('Grant Avenue');
		expect(geocoder.geocode('grant ave')).toEqual(street);
		expect(geocoder.geocode('O Farrell St')).toEqual(geocoder.geocode("O'Farrell Street"));
	});

	it('puts a house-number address on its street', () => {
		const r = geocoder.geocode('1355 Market St, San Francisco, CA 94103');
		expect(r).toMatchObject({ precision: 'street', matched: 'Market Street' });
		expect(geocoder.geocode('Market Street')).toEqual(r);
		expect(geocoder.geocode('Market')).toEqual(r); // no suffix, but only one Market
	});

	it('answers null for an unknown street or garbage', () => {
		for (const text of ['123 Nowhere St', 'Lombard St', 'Market St & Lombard St', '', '   ', '&&&', '42', 'lorem ipsum dolor', 'x'.repeat(1000)]) {
			expect(geocoder.geocode(text), text).toBeNull();
		}
	});
});

describe('Geocoder', () => {
	it('takes the crossing nearest the middle where a divided road meets a street more than once', () => {
		const g = Geocoder.fromJson({
			source: 'test',
			streets: [
				{ name: 'Cross Street', points: [[-122.4, 37.7], [-122.4, 37.7001], [-122.4, 37.7002]], junctions: [[1, 0], [2, 1], [3, 2]] },
				{ name: 'Divided Boulevard', points: [[-122.4, 37.7], [-122.4, 37.7001], [-122.4, 37.7002], [-122.39, 37.7]], junctions: [[1, 0], [2, 1], [3, 2]] }
			]
		});
		expect(g.geocode('Cross St & Divided Blvd')).toEqual({ lat: 37.7001, long: -122.4, precision: 'intersection', matched: 'Cross Street & Divided Boulevard' });
	});

	it('rejects a malformed streets file', () => {
		expect(() => Geocoder.fromJson({ streets: 'no' })).toThrow();
		expect(() => Geocoder.fromJson({ source: 'x', streets: [{ name: 'A Street', points: [[-122.4, 37.7]], junctions: [[1, 5]] }] })).toThrow(/junction/);
	});

	it('loads as null, without error, for an area with no streets.json', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'geocode-'));
		try {
			expect(await loadGeocoder(dir)).toBeNull();
		} finally {
			await rm(dir, { recursive: true });
		}
	});
});
