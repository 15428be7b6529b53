/** Orders as numbered route stops and the route line, for the map (pure). */
import type { WorkflowStatus } from '../domain';

export interface Stop {
	id: string;
	/** 1-based position in the route; null: not in the route (done, handed over). */
	n: number | null;
	lat: number;
	long: number;
	status: WorkflowStatus;
	label: string;
}

/** Marker colours by status: strong, distinct in sunlight, readable with white text. */
export const STATUS_COLOUR: Record<WorkflowStatus, string> = {
	new: '#5c5c5c',
	assigned: '#0b3d91',
	en_route: '#8a4b00',
	on_site: '#6a1b9a',
	closed: '#1e6b2e'
};

/** The line through the stops in route order, starting at `from` (the depot or the crew's position). */
export function routeLine(stops: readonly Stop[], from: { lat: number; long: number } | null): [number, number][] {
	const ordered = stops.filter((s) => s.n !== null).sort((a, b) => a.n! - b.n!);
	const points = ordered.map((s) => [s.long, s.lat] as [number, number]);
	return from && points.length > 0 ? [[from.long, from.lat], ...points] : points;
}

/** [west, south, east, north] around the points, or null when there are none. */
export function boundsOf(points: readonly { lat: number; long: number }[]): [number, number, number, number] | null {
	if (points.length === 0) return null;
	const lats = points.map((p) => p.lat);
	const longs = points.map((p) => p.long);
	return [Math.min(...longs), Math.min(...lats), Math.max(...longs), Math.max(...lats)];
}
