/**
 * Symmetric TSP by iterated local search (Lourenço, Martin & Stützle): a greedy nearest-neighbour start, then
 * 2-opt and Or-opt (segments of 1–3, both orientations) over k-nearest-neighbour candidate lists with
 * don't-look bits, then repeated "segment double-bridge" kicks followed by local search from the touched cities
 * only, keeping the better tour. Anytime: stops at the time budget or when the AbortSignal fires and returns the
 * best tour so far. Deterministic for a given seed (no wall-clock tie-breaks; only the stopping point depends
 * on time). Pure: no I/O; runs in Node and in the route worker.
 */
export interface TspOptions {
	/** Time budget in milliseconds (default 200). */
	timeBudgetMs?: number;
	/** Upper bound on kicks, whatever the time (tests, reproducible runs). */
	maxKicks?: number;
	seed?: number;
	signal?: AbortSignal;
	/** Candidate list size (default 10). */
	neighbours?: number;
	now?: () => number;
}

export interface TspResult {
	tour: Int32Array;
	length: number;
	kicks: number;
}

const DEFAULT_BUDGET_MS = 200;
const DEFAULT_NEIGHBOURS = 10;
const KICK_SEGMENT_MAX = 50; // cities: kicks stay local, so the repair is cheap
const OR_OPT_MAX = 3;

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

class Tour {
	readonly order: Int32Array;
	readonly pos: Int32Array;
	constructor(
		readonly n: number,
		order: Int32Array
	) {
		this.order = order;
		this.pos = new Int32Array(n);
		for (let i = 0; i < n; i++) this.pos[order[i]!] = i;
	}
	next(c: number) {
		const p = this.pos[c]! + 1;
		return this.order[p === this.n ? 0 : p]!;
	}
	prev(c: number) {
		const p = this.pos[c]! - 1;
		return this.order[p < 0 ? this.n - 1 : p]!;
	}
	/** Reverses the path from city a to city b (following next); reverses the complement when that is shorter. */
	reverse(a: number, b: number) {
		const n = this.n;
		let i = this.pos[a]!;
		let j = this.pos[b]!;
		let len = j - i;
		if (len < 0) len += n;
		len += 1;
		if (len * 2 > n) {
			const ni = j + 1;
			const nj = i - 1;
			i = ni === n ? 0 : ni;
			j = nj < 0 ? n - 1 : nj;
			len = n - len;
		}
		for (let k = 0; k < len >> 1; k++) {
			const ci = this.order[i]!;
			const cj = this.order[j]!;
			this.order[i] = cj;
			this.pos[cj] = i;
			this.order[j] = ci;
			this.pos[ci] = j;
			i = i + 1 === n ? 0 : i + 1;
			j = j - 1 < 0 ? n - 1 : j - 1;
		}
	}
}

function lengthOf(order: Int32Array, d: ArrayLike<number>, n: number): number {
	let sum = 0;
	for (let i = 0; i < n; i++) sum += d[order[i]! * n + order[i + 1 === n ? 0 : i + 1]!]!;
	return sum;
}

function candidateLists(d: ArrayLike<number>, n: number, k: number): Int32Array[] {
	const lists: Int32Array[] = [];
	const idx = Array.from({ length: n }, (_, i) => i);
	for (let a = 0; a < n; a++) {
		const sorted = idx.filter((b) => b !== a).sort((x, y) => d[a * n + x]! - d[a * n + y]! || x - y);
		lists.push(Int32Array.from(sorted.slice(0, k)));
	}
	return lists;
}

function nearestNeighbour(d: ArrayLike<number>, n: number, start: number): Int32Array {
	const order = new Int32Array(n);
	const used = new Uint8Array(n);
	let cur = start;
	used[cur] = 1;
	order[0] = cur;
	for (let i = 1; i < n; i++) {
		let best = -1;
		let bestD = Infinity;
		for (let c = 0; c < n; c++) {
			if (!used[c] && d[cur * n + c]! < bestD) {
				bestD = d[cur * n + c]!;
				best = c;
			}
		}
		used[best] = 1;
		order[i] = best;
		cur = best;
	}
	return order;
}

/** 2-opt + Or-opt from the cities in `queue` (don't-look bits); returns the total gain. */
function localSearch(t: Tour, d: ArrayLike<number>, cand: Int32Array[], queue: number[], inQueue: Uint8Array): number {
	const n = t.n;
	let gain = 0;
	const push = (c: number) => {
		if (!inQueue[c]) {
			inQueue[c] = 1;
			queue.push(c);
		}
	};
	while (queue.length > 0) {
		const a = queue.pop()!;
		inQueue[a] = 0;
		let improved = false;
		// 2-opt, both tour directions around a.
		for (let dir = 0; dir < 2 && !improved; dir++) {
			const b = dir === 0 ? t.next(a) : t.prev(a);
			const dab = d[a * n + b]!;
			for (const c of cand[a]!) {
				const dac = d[a * n + c]!;
				if (dac >= dab) break;
				const e = dir === 0 ? t.next(c) : t.prev(c);
				if (c === b || e === a) continue;
				const delta = dac + d[b * n + e]! - dab - d[c * n + e]!;
				if (delta < 0) {
					if (dir === 0) t.reverse(b, c);
					else t.reverse(c, b);
					gain -= delta;
					for (const x of [a, b, c, e]) push(x);
					improved = true;
					break;
				}
			}
		}
		if (improved) continue;
		// Or-opt: move the segment starting at a (length 1..3, forward) next to one of a's neighbours.
		for (let len = 1; len <= OR_OPT_MAX && !improved && len < n - 2; len++) {
			let e = a;
			for (let k = 1; k < len; k++) e = t.next(e);
			const p = t.prev(a);
			const nx = t.next(e);
			const removeGain = d[p * n + a]! + d[e * n + nx]! - d[p * n + nx]!;
			if (removeGain <= 0) continue;
			for (const c of cand[a]!) {
				// c must be outside the segment and not p (inserting between p and a is no move).
				let inside = false;
				for (let x = a, k = 0; k < len; k++, x = t.next(x)) if (x === c) inside = true;
				if (inside) continue;
				// Insert into the edge after c (side 0) or before it (side 1), the segment either way round.
				for (let side = 0; side < 2; side++) {
					const u = side === 0 ? c : t.prev(c);
					const v = side === 0 ? t.next(c) : c;
					if (u === e || v === a) continue; // an edge touching the segment: no move
					const base = d[u * n + v]!;
					const fwd = d[u * n + a]! + d[e * n + v]! - base; // u-a…e-v
					const rev = d[u * n + e]! + d[a * n + v]! - base; // u-e…a-v
					const add = Math.min(fwd, rev);
					if (add < removeGain) {
						moveSegment(t, a, e, len, u, v, rev < fwd);
						gain += removeGain - add;
						for (const x of [p, nx, a, e, u, v]) push(x);
						improved = true;
						break;
					}
				}
				if (improved) break;
			}
		}
	}
	return gain;
}

/** Moves segment a…e (len cities) between u and v (adjacent, u before v), reversed if asked. O(n) rebuild. */
function moveSegment(t: Tour, a: number, e: number, len: number, u: number, v: number, reversed: boolean) {
	const n = t.n;
	const seg: number[] = [];
	for (let x = a, k = 0; k < len; k++, x = t.next(x)) seg.push(x);
	if (reversed) seg.reverse();
	void e;
	void v;
	const out = new Int32Array(n);
	let w = 0;
	const inSeg = new Set(seg);
	// Walk the tour from u (inclusive), skipping the segment, inserting it right after u.
	let x = u;
	for (let k = 0; k < n; k++) {
		if (!inSeg.has(x)) {
			out[w++] = x;
			if (x === u) for (const s of seg) out[w++] = s;
		}
		x = t.next(x);
	}
	t.order.set(out);
	for (let i = 0; i < n; i++) t.pos[out[i]!] = i;
}

/** Segment double-bridge: within a random stretch of the tour, A B C D → A C B D. Returns the touched cities. */
function kick(t: Tour, random: () => number): number[] {
	const n = t.n;
	const span = Math.min(n, KICK_SEGMENT_MAX);
	if (span < 8) return [];
	const start = Math.floor(random() * n);
	const cuts = new Set<number>();
	while (cuts.size < 3) cuts.add(1 + Math.floor(random() * (span - 2)));
	const [p1, p2, p3] = [...cuts].sort((x, y) => x - y) as [number, number, number];
	const at = (k: number) => t.order[(start + k) % n]!;
	const A: number[] = [];
	const B: number[] = [];
	const C: number[] = [];
	for (let k = 0; k < p1; k++) A.push(at(k));
	for (let k = p1; k < p2; k++) B.push(at(k));
	for (let k = p2; k < p3; k++) C.push(at(k));
	const rebuilt = [...A, ...C, ...B];
	for (let k = 0; k < rebuilt.length; k++) {
		const p = (start + k) % n;
		t.order[p] = rebuilt[k]!;
		t.pos[rebuilt[k]!] = p;
	}
	return [A[A.length - 1]!, B[0]!, B[B.length - 1]!, C[0]!, C[C.length - 1]!, at(p3), A[0]!];
}

export class InvalidTspError extends Error {
	override name = 'InvalidTspError';
}

/** Solves the closed tour over an n×n distance matrix (row-major, symmetric). */
export function solveTsp(matrix: ArrayLike<number>, n: number, options: TspOptions = {}): TspResult {
	if (!Number.isInteger(n) || n < 1) throw new InvalidTspError('the instance needs at least one city');
	if (matrix.length !== n * n) throw new InvalidTspError(`the distance matrix has ${matrix.length} entries; ${n} cities need ${n * n}`);
	for (let i = 0; i < matrix.length; i++) if (!Number.isFinite(matrix[i]!) || matrix[i]! < 0) throw new InvalidTspError('distances must be finite and not negative');
	if (n <= 3) return { tour: Int32Array.from({ length: n }, (_, i) => i), length: lengthOf(Int32Array.from({ length: n }, (_, i) => i), matrix, n), kicks: 0 };

	const now = options.now ?? (() => performance.now());
	const deadline = now() + (options.timeBudgetMs ?? DEFAULT_BUDGET_MS);
	const random = rng(options.seed ?? 1);
	const cand = candidateLists(matrix, n, Math.min(n - 1, options.neighbours ?? DEFAULT_NEIGHBOURS));
	const inQueue = new Uint8Array(n);

	const cur = new Tour(n, nearestNeighbour(matrix, n, 0));
	const all = Array.from({ length: n }, (_, i) => i);
	all.forEach((c) => (inQueue[c] = 1));
	localSearch(cur, matrix, cand, all, inQueue);
	let curLen = lengthOf(cur.order, matrix, n);
	let best = Int32Array.from(cur.order);
	let bestLen = curLen;

	const trial = new Tour(n, Int32Array.from(cur.order));
	let kicks = 0;
	const maxKicks = options.maxKicks ?? Infinity;
	while (kicks < maxKicks && !options.signal?.aborted && now() < deadline) {
		kicks++;
		trial.order.set(cur.order);
		trial.pos.set(cur.pos);
		const touched = kick(trial, random);
		const queue: number[] = [];
		for (const c of touched) if (!inQueue[c]) {
			inQueue[c] = 1;
			queue.push(c);
		}
		localSearch(trial, matrix, cand, queue, inQueue);
		const len = lengthOf(trial.order, matrix, n);
		if (len <= curLen) {
			cur.order.set(trial.order);
			cur.pos.set(trial.pos);
			curLen = len;
			if (len < bestLen) {
				best = Int32Array.from(trial.order);
				bestLen = len;
			}
		}
	}
	return { tour: best, length: bestLen, kicks };
}
