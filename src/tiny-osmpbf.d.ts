/** tiny-osmpbf ships no types: the part scripts/roads.ts uses. */
declare module 'tiny-osmpbf' {
	export interface OsmPbfElement {
		type: 'node' | 'way' | 'relation';
		id: number;
		lat?: number;
		lon?: number;
		nodes?: number[];
		tags?: Record<string, string>;
	}
	export default function tinyosmpbf(data: Uint8Array): { elements: OsmPbfElement[] };
}
