/**
 * Offline geocoder over the area's street index (streets.json, built by npm run streets): places an Open311
 * request that gives its location only as address_string. Understands a street ("Market St", "123 Market
 * Street", "Market") and an intersection ("Market St & 5th St", "5th at Market", "Intersection of MISSION ST and
 * 03RD ST", the SF 311 form). No house-number interpolation: an address lands on its street, and says so.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { latitude, longitude, type Point } from '../domain/common';

const streetSchema = z
	.object({
		name: z.string().min(1),
		/** [long, lat] of every node of the street, deduplicated. */
		points: z.array(z.tuple([longitude, latitude])).min(1),
		/** [OSM node id, index into points] of each node shared with another named street. */
		junctions: z.array(z.tuple([z.number().int(), z.number().int().nonnegative()]))
	})
	.refine((s) => s.junctions.every(([, i]) => i < s.points.length), { message: 'junction points past the end of points' });

export const streetsFileSchema = z.object({
	/** The OSM extract it was built from. */
	source: z.string(),
	streets: z.array(streetSchema)
});
export type StreetsFile = z.infer<typeof streetsFileSchema>;

export interface GeocodeResult {
	lat: number;
	long: number;
	precision: 'intersection' | 'street';
	/** The street name(s) as the map has them, e.g. "Market Street & 5th Street". */
	matched: string;
}

/** Longer than any address; such input is a description, not a place, and is not worth scanning. */
const ADDRESS_MAX_CHARS = 300;

/** Canonical form of street-type words, so "St", "Str" and "Street" agree. */
const SUFFIXES: Record<string, string> = {
	st: 'street',
	str: 'street',
	street: 'street',
	av: 'avenue',
	ave: 'avenue',
	avenue: 'avenue',
	blvd: 'boulevard',
	boulevard: 'boulevard',
	dr: 'drive',
	drive: 'drive',
	pl: 'place',
	place: 'place',
	ter: 'terrace',
	terr: 'terrace',
	terrace: 'terrace',
	way: 'way',
	ln: 'lane',
	lane: 'lane',
	rd: 'road',
	road: 'road',
	ct: 'court',
	court: 'court',
	aly: 'alley',
	alley: 'alley',
	plz: 'plaza',
	plaza: 'plaza',
	sq: 'square',
	square: 'square',
	hwy: 'highway',
	highway: 'highway',
	fwy: 'freeway',
	freeway: 'freeway'
};
const SUFFIX_WORDS = new Set(Object.values(SUFFIXES));
const ORDINAL_WORDS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth'];
/** "3rd", "03RD" (SF 311 pads numbered streets), "3th" (a typo) all become "3rd". */
const ORDINAL = /^0*(\d+)(?:st|nd|rd|th)$/;

/** Leading words that say where, not which street: "Intersection of …", "near …". */
const LEAD_IN = /^(?:(?:the\s+)?intersection\s+of|corner\s+of|near|at)\s+/i;
/** Two streets: "&", "/", "@", "+", "and", "at". */
const CROSS = /\s*(?:&|\/|@|\+|\band\b|\bat\b)\s*/i;
/** A unit within the building: "#400", "Apt 5", "Suite 2" — to the end of the part. */
const UNIT = /\s*(?:#|\b(?:apt|unit|suite|ste|fl|floor|rm|room)\b\.?).*$/i;
/** City, state, ZIP, country at the end, comma or not. */
const LOCALITY = /(?:[\s,]+(?:san\s+francisco|sf|ca|california|usa|us|united\s+states|\d{5}(?:-\d{4})?))+\s*$/i;
/** "123 Market St", "123A Market St", "123-125 Market St"; not "3rd St". */
const HOUSE_NUMBER = /^\d+[a-z]?(?:\s*-\s*\d+[a-z]?)?\s+(?=\S)/i;

function ordinalSuffix(n: number): string {
	if (n % 100 >= 11 && n % 100 <= 13) return 'th';
	return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/** Lower case, no accents or punctuation, canonical suffix and ordinal words. */
function tokens(text: string): string[] {
	const words = text
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/['’`.]/g, '') // O'Farrell = OFarrell, St. = St
		.split(/[^a-z0-9]+/)
		.filter(Boolean);
	return words.map((w, i) => {
		// "St Francis Pl": a leading St is Saint, not Street.
		if (w === 'st' && i === 0 && words.length > 1) return 'saint';
		const word = ORDINAL_WORDS.indexOf(w);
		if (word >= 0) return `${word + 1}${ordinalSuffix(word + 1)}`;
		const ord = ORDINAL.exec(w);
		if (ord) return `${Number(ord[1])}${ordinalSuffix(Number(ord[1]))}`;
		return SUFFIXES[w] ?? w;
	});
}

/**
 * The lookup keys of a name: full (with suffix) and base (without). Words are joined without spaces so
 * "O Farrell" and "OFarrell" agree.
 */
function keys(name: string): { full: string; base: string; hasSuffix: boolean } {
	const t = tokens(name);
	const hasSuffix = t.length > 1 && SUFFIX_WORDS.has(t[t.length - 1]!);
	return { full: t.join(''), base: (hasSuffix ? t.slice(0, -1) : t).join(''), hasSuffix };
}

/** Squared distance on a local flat projection: only for ranking points a few km apart. */
function flatDist2(a: Point, b: Point): number {
	const dx = (a.long - b.long) * Math.cos((a.lat * Math.PI) / 180);
	const dy = a.lat - b.lat;
	return dx * dx + dy * dy;
}

function nearest(points: Point[], to: Point): Point {
	let best = points[0]!;
	for (const p of points) if (flatDist2(p, to) < flatDist2(best, to)) best = p;
	return best;
}

function mean(points: Point[]): Point {
	return { lat: points.reduce((s, p) => s + p.lat, 0) / points.length, long: points.reduce((s, p) => s + p.long, 0) / points.length };
}

interface Street {
	name: string;
	points: Point[];
	/** OSM node id → its point, for the nodes shared with other streets. */
	junctions: Map<number, Point>;
	/** The street's node nearest its centroid: on the street, never in a block between two pieces of it. */
	anchor: Point;
}

export class Geocoder {
	private readonly byFull = new Map<string, Street>();
	/** Base name → streets: "Market" finds Market Street; "Trinity" finds both Trinity Place and Plaza. */
	private readonly byBase = new Map<string, Street[]>();

	private constructor(data: StreetsFile) {
		for (const s of data.streets) {
			const points = s.points.map(([long, lat]) => ({ lat, long }));
			const street: Street = {
				name: s.name,
				points,
				junctions: new Map(s.junctions.map(([id, i]) => [id, points[i]!])),
				anchor: nearest(points, mean(points))
			};
			const k = keys(s.name);
			this.byFull.set(k.full, street);
			this.byBase.set(k.base, [...(this.byBase.get(k.base) ?? []), street]);
		}
	}

	/** Validates a parsed streets.json; throws a ZodError naming the bad field. */
	static fromJson(data: unknown): Geocoder {
		return new Geocoder(streetsFileSchema.parse(data));
	}

	geocode(text: string): GeocodeResult | null {
		if (text.length > ADDRESS_MAX_CHARS) return null;
		// The first comma part is the street address; the rest is unit, city, state.
		const place = (text.replace(LOCALITY, '').split(',')[0] ?? '').replace(UNIT, '').replace(LEAD_IN, '').trim();
		const parts = place.split(CROSS).filter((p) => p.trim());
		if (parts.length === 1) {
			const found = this.streets(parts[0]!);
			return found.length === 1 ? atStreet(found[0]!) : null; // none, or ambiguous without a suffix
		}
		if (parts.length === 2) return this.intersection(this.streets(parts[0]!), this.streets(parts[1]!));
		return null;
	}

	/** The streets a name may mean: exact first; a name with no suffix may match by its base if that is all. */
	private streets(part: string): Street[] {
		const bare = part.trim().replace(HOUSE_NUMBER, '');
		// "611 Folsom Street Plaza" is a name that starts with a number: try the text as given too.
		for (const candidate of bare === part.trim() ? [bare] : [bare, part]) {
			const k = keys(candidate);
			const exact = this.byFull.get(k.full);
			if (exact) return [exact];
			if (!k.hasSuffix && this.byBase.has(k.base)) return this.byBase.get(k.base)!;
		}
		return [];
	}

	private intersection(as: Street[], bs: Street[]): GeocodeResult | null {
		const hits: GeocodeResult[] = [];
		for (const a of as)
			for (const b of bs) {
				if (a === b) continue;
				const shared = [...a.junctions].filter(([id]) => b.junctions.has(id)).map(([, p]) => p);
				// A divided road crosses the other street twice or more: take the crossing nearest the middle.
				if (shared.length) hits.push({ ...nearest(shared, mean(shared)), precision: 'intersection', matched: `${a.name} & ${b.name}` });
			}
		if (hits.length === 1) return hits[0]!;
		if (hits.length > 1 || as.length !== 1 || bs.length !== 1) return null; // ambiguous, or a name unknown
		const [a, b] = [as[0]!, bs[0]!];
		if (a === b) return atStreet(a);
		// The streets never meet (a typo'd cross street, one passing over the other): the first street, where it
		// comes closest to the second, is still the best place to send a crew.
		let best = { p: a.anchor, d2: Infinity };
		for (const p of a.points)
			for (const q of b.points) {
				const d2 = flatDist2(p, q);
				if (d2 < best.d2) best = { p, d2 };
			}
		return { ...best.p, precision: 'street', matched: a.name };
	}
}

function atStreet(s: Street): GeocodeResult {
	return { ...s.anchor, precision: 'street', matched: s.name };
}

/** The area's geocoder, or null when the area has no streets.json (then requests need lat/long). */
export async function loadGeocoder(areaDir: string): Promise<Geocoder | null> {
	let raw: string;
	try {
		raw = await readFile(path.join(areaDir, 'streets.json'), 'utf8');
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw e;
	}
	return Geocoder.fromJson(JSON.parse(raw));
}
