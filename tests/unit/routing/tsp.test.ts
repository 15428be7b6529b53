import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidTspError, solveTsp } from '../../../src/lib/routing/tsp';
import { parseTour, parseTsplib, tourLength, TsplibError } from '../../../src/lib/routing/tsplib';

const load = (name: string) => parseTsplib(readFileSync(`data-bench/tsplib/${name}.tsp`, 'utf8'));
const optTour = (name: string) => parseTour(readFileSync(`data-bench/tsplib/${name}.opt.tour`, 'utf8'));
const isPermutation = (tour: ArrayLike<number>, n: number) => tour.length === n && [...Array.from(tour)].sort((a, b) => a - b).every((v, i) => v === i);

describe('TSPLIB reader: distances with TSPLIB rounding reproduce the published optimal lengths', () => {
	it.each([
		['eil51', 'EUC_2D', 426],
		['kroA100', 'EUC_2D', 21282],
		['att48', 'ATT', 10628],
		['ulysses22', 'GEO', 7013],
		['gr96', 'GEO', 55209],
		['bayg29', 'EXPLICIT', 1610]
	])('%s (%s): the optimal tour is %i long', (name, type, optimum) => {
		const inst = load(name);
		expect(inst.type).toBe(type);
		expect(tourLength(inst, optTour(name))).toBe(optimum);
	});

	it('refuses what it cannot read, saying why', () => {
		expect(() => parseTsplib('NAME: x\nTYPE: ATSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\n')).toThrow(/only symmetric TSP/);
		expect(() => parseTsplib('NAME: x\nDIMENSION: zero\nEDGE_WEIGHT_TYPE: EUC_2D\n')).toThrow(TsplibError);
		expect(() => parseTsplib('NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: MAN_3D\n')).toThrow(/MAN_3D is not supported/);
		expect(() => parseTsplib('NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\nEOF\n')).toThrow(/2 nodes, DIMENSION says 3/);
		expect(() => parseTsplib('NAME: x\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 zero\n2 3 4\nEOF\n')).toThrow(/"zero" is not a number/);
		expect(() => parseTsplib('NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\nEDGE_WEIGHT_SECTION\n1\nEOF\n')).toThrow(/too short/);
	});
});

describe('route solver (TSP core)', () => {
	it.each([
		['ulysses22', 7013],
		['bayg29', 1610],
		['att48', 10628],
		['eil51', 426],
		['berlin52', 7542]
	])('solves %s to its known optimum %i (fixed number of kicks: deterministic)', (name, optimum) => {
		const inst = load(name);
		const r = solveTsp(inst.matrix, inst.dimension, { maxKicks: 3000, timeBudgetMs: 60_000, seed: 7 });
		expect(isPermutation(r.tour, inst.dimension)).toBe(true);
		expect(tourLength(inst, r.tour)).toBe(r.length);
		expect(r.length).toBe(optimum);
	});

	it('the same seed and kicks give the same tour', () => {
		const inst = load('kroA100');
		const a = solveTsp(inst.matrix, inst.dimension, { maxKicks: 300, timeBudgetMs: 60_000, seed: 3 });
		const b = solveTsp(inst.matrix, inst.dimension, { maxKicks: 300, timeBudgetMs: 60_000, seed: 3 });
		expect(Array.from(a.tour)).toEqual(Array.from(b.tour));
	});

	it('stops when aborted and still returns a complete tour', () => {
		const inst = load('a280');
		const controller = new AbortController();
		controller.abort();
		const r = solveTsp(inst.matrix, inst.dimension, { timeBudgetMs: 60_000, signal: controller.signal });
		expect(r.kicks).toBe(0);
		expect(isPermutation(r.tour, inst.dimension)).toBe(true);
	});

	it('tiny instances, and bad input gives a clear error instead of a crash or a hang', () => {
		expect(Array.from(solveTsp([0], 1).tour)).toEqual([0]);
		expect(solveTsp([0, 5, 5, 0], 2).length).toBe(10);
		expect(() => solveTsp([], 0)).toThrow(InvalidTspError);
		expect(() => solveTsp([0, 1, 1], 2)).toThrow(/2 cities need 4/);
		expect(() => solveTsp([0, NaN, NaN, 0], 2)).toThrow(/finite/);
		expect(() => solveTsp([0, -1, -1, 0], 2)).toThrow(/not negative/);
	});
});
