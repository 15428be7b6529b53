/**
 * Dispatch auto-suggest benchmark (issue 06): the regret-insertion heuristic (src/lib/routing/assign.ts)
 * against a baseline measured in the same run — each order to its department's nearest crew, no balancing.
 * A day like San Francisco's: 200 selected orders and 20 crews with 10 open stops each, around Civic Center,
 * two departments. Prints time (median of runs), the longest crew day, the spread of crew days and drive.
 */
import os from 'node:os';
import { estimateWorkload, suggestCrews, type CrewForSuggest, type OrderForSuggest } from '../../src/lib/routing/assign';
import { haversineKm } from '../../src/lib/routing/route';
import { BenchRecord } from './record';

const RUNS = Number(process.env.BENCH_DISPATCH_RUNS ?? 15);
const CENTER = { lat: 37.7793, long: -122.4193 }; // Civic Center
const M_PER_DEG_LAT = 111_320;

function lcg(seed: number) {
	let s = seed >>> 0;
	return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function day(seed: number, nOrders = 200, nCrews = 20, stops = 10) {
	const random = lcg(seed);
	const near = () => ({
		lat: CENTER.lat + ((random() - 0.5) * 6000) / M_PER_DEG_LAT,
		long: CENTER.long + ((random() - 0.5) * 6000) / (M_PER_DEG_LAT * Math.cos((CENTER.lat * Math.PI) / 180))
	});
	const depts = ['dpw', 'puc'];
	const crews: CrewForSuggest[] = Array.from({ length: nCrews }, (_, c) => ({
		id: `crew-${String(c).padStart(2, '0')}`,
		department: depts[c % 2]!,
		service_codes: ['pothole', 'graffiti'],
		start: near(),
		stops: Array.from({ length: stops }, (_, s) => ({ id: `open-${c}-${s}`, ...near(), service_minutes: 10 + Math.floor(random() * 30) }))
	}));
	const orders: OrderForSuggest[] = Array.from({ length: nOrders }, (_, o) => ({
		id: `wo-${o}`,
		...near(),
		service_minutes: 10 + Math.floor(random() * 30),
		department: depts[o % 2]!,
		service_code: 'pothole'
	}));
	return { crews, orders };
}

/** Baseline: each order to the nearest crew (start) of its department. */
function nearest(crews: readonly CrewForSuggest[], orders: readonly OrderForSuggest[]) {
	return orders.map((o) => {
		let best: CrewForSuggest | null = null;
		for (const c of crews) if (c.department === o.department && (!best || haversineKm(c.start, o) < haversineKm(best.start, o))) best = c;
		return { order: o.id, crew: best?.id ?? null };
	});
}

function quality(crews: readonly CrewForSuggest[], orders: readonly OrderForSuggest[], plan: { order: string; crew: string | null }[]) {
	const byId = new Map(orders.map((o) => [o.id, o]));
	const days = crews.map((c) => {
		const extra = plan.filter((p) => p.crew === c.id).map((p) => byId.get(p.order)!);
		return estimateWorkload(c.start, [...c.stops, ...extra]).minutes;
	});
	const service = [...crews.flatMap((c) => c.stops), ...orders].reduce((t, s) => t + s.service_minutes, 0);
	const total = days.reduce((a, b) => a + b, 0);
	return { longest: Math.max(...days), shortest: Math.min(...days), drive: total - service };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`dispatch suggest benchmark — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${RUNS} days`);
const times = { suggest: [] as number[], nearest: [] as number[] };
const q = { suggest: [] as ReturnType<typeof quality>[], nearest: [] as ReturnType<typeof quality>[] };
for (let seed = 1; seed <= RUNS; seed++) {
	const { crews, orders } = day(seed);
	let t = performance.now();
	const s = suggestCrews({ crews, orders });
	times.suggest.push(performance.now() - t);
	t = performance.now();
	const n = nearest(crews, orders);
	times.nearest.push(performance.now() - t);
	q.suggest.push(quality(crews, orders, s.suggestions));
	q.nearest.push(quality(crews, orders, n));
}
const avg = (list: ReturnType<typeof quality>[], k: keyof ReturnType<typeof quality>) => list.reduce((t, x) => t + x[k], 0) / list.length;
const line = (name: string, list: ReturnType<typeof quality>[], ms: number) =>
	`${name.padEnd(22)} ${ms.toFixed(1).padStart(7)} ms   longest day ${avg(list, 'longest').toFixed(0).padStart(4)} min   shortest ${avg(list, 'shortest').toFixed(0).padStart(4)} min   drive ${avg(list, 'drive').toFixed(0).padStart(5)} min`;
console.log(line('regret insertion', q.suggest, median(times.suggest)));
console.log(line('nearest crew (base)', q.nearest, median(times.nearest)));
console.log(
	`ratios: longest day ${(avg(q.suggest, 'longest') / avg(q.nearest, 'longest')).toFixed(3)}x, drive ${(avg(q.suggest, 'drive') / avg(q.nearest, 'drive')).toFixed(3)}x, time ${(median(times.suggest) / Math.max(median(times.nearest), 0.001)).toFixed(0)}x (goal: 200 orders x 20 crews < 100 ms; longest day below the baseline's)`
);

const record = new BenchRecord('dispatch');
record.add({
	name: 'auto-suggest, 200 orders × 20 crews (median)',
	value: median(times.suggest),
	unit: 'ms',
	baseline: { name: 'nearest crew', value: median(times.nearest) },
	goal: '< 100 ms',
	met: median(times.suggest) < 100
});
record.add({
	name: 'longest crew day after auto-suggest (mean, minutes)',
	value: avg(q.suggest, 'longest'),
	unit: 'min',
	baseline: { name: 'nearest crew', value: avg(q.nearest, 'longest') },
	goal: "below the baseline's",
	met: avg(q.suggest, 'longest') < avg(q.nearest, 'longest')
});
await record.save();
