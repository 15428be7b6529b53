/**
 * Figures of a benchmark run, kept for bench/REPORT.md (scripts/bench/report.ts). Each bench script records
 * what it prints — the figure, the baseline measured in the same run, the goal and whether it was met — into
 * bench/out/figures/<bench>.json, replacing that bench's previous figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const FIGURES_DIR = path.resolve(import.meta.dirname, '../../bench/out/figures');

export interface Figure {
	/** What was measured ("initial sync, 1,000 orders, gateway (median)"). */
	name: string;
	value: number;
	/** ms, s, KB, MiB, %, x, score… */
	unit: string;
	/** The same measurement of the baseline, in the same run and unit. */
	baseline?: { name: string; value: number };
	/** The goal as text ("p95 <= 1000 ms"), and whether this run met it. */
	goal?: string;
	met?: boolean;
}

export interface BenchFigures {
	bench: string;
	at: string;
	machine: { cpus: number; model: string; memory_gib: number; node: string; platform: string };
	figures: Figure[];
}

export const machineInfo = (): BenchFigures['machine'] => ({
	cpus: os.cpus().length,
	model: os.cpus()[0]?.model ?? 'cpu',
	memory_gib: Math.round(os.totalmem() / 2 ** 30),
	node: process.version,
	platform: `${os.platform()} ${os.release()}`
});

/** Collects a bench's figures; `save` writes them (call it once, at the end of a successful run). */
export class BenchRecord {
	readonly #figures: Figure[] = [];
	constructor(readonly bench: string) {}

	add(figure: Figure): void {
		this.#figures.push(figure);
	}

	async save(): Promise<string> {
		await mkdir(FIGURES_DIR, { recursive: true });
		const file = path.join(FIGURES_DIR, `${this.bench}.json`);
		const out: BenchFigures = { bench: this.bench, at: new Date().toISOString(), machine: machineInfo(), figures: this.#figures };
		await writeFile(file, JSON.stringify(out, null, '\t') + '\n');
		return file;
	}
}
