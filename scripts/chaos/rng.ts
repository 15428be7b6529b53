/**
 * A seedable random source for the chaos run (mulberry32: 32 bits of state, fast, good enough to pick faults
 * and actions). Every part of the run draws from its own stream, derived from the run's seed and a label, so
 * one tablet's choices do not shift when another tablet draws more often. The run is still not replayable
 * to the millisecond — timing decides which request a fault lands on — but the plan (which faults, how
 * often, which actions, which kills) follows the seed.
 */
export class Rng {
	private state: number;

	constructor(seed: number) {
		this.state = seed >>> 0;
	}

	/** A stream of its own for `label` (e.g. "tablet-3"), derived from this stream's seed. */
	static derive(seed: number, label: string): Rng {
		let h = seed >>> 0;
		for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x9e3779b1) >>> 0;
		return new Rng(h ^ (h >>> 16));
	}

	/** [0, 1), like Math.random. */
	next(): number {
		let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
	}

	/** An integer in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	/** A number in [min, max). */
	between(min: number, max: number): number {
		return min + this.next() * (max - min);
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		if (items.length === 0) throw new Error('pick from an empty list');
		return items[Math.floor(this.next() * items.length)]!;
	}

	/** One of `weights`' keys, with probability proportional to its weight (weights ≥ 0, not all 0). */
	weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
		const entries = Object.entries(weights) as [K, number][];
		const total = entries.reduce((sum, [, w]) => sum + w, 0);
		let r = this.next() * total;
		for (const [key, w] of entries) {
			r -= w;
			if (r < 0) return key;
		}
		return entries[entries.length - 1]![0];
	}

	/** Exponentially distributed with the given mean (waiting times, byte counts until a fault). */
	exponential(mean: number): number {
		return -Math.log(1 - this.next()) * mean;
	}

	bytes(n: number): Uint8Array {
		const out = new Uint8Array(n);
		for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
		return out;
	}
}
