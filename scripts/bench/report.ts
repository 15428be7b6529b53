/**
 * npm run bench:report — bench/REPORT.md from the figures the bench scripts recorded in bench/out/figures
 * (`npm run bench` runs every bench, then this). Each figure with its baseline from the same run, the ratio,
 * the goal and the result, and the machine each bench ran on.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FIGURES_DIR, type BenchFigures, type Figure } from './record';

const REPORT = path.resolve(import.meta.dirname, '../../bench/REPORT.md');
/** Every bench `npm run bench` runs, in its order: one missing from the report says so. */
const BENCHES = ['sync', 'crew', 'map', 'route', 'route-day', 'dispatch', 'open311', 'reports', 'load', 'chaos'] as const;

const num = (v: number, unit: string) => {
	const digits = Math.abs(v) >= 100 || unit === 'KB' || unit === 'MiB' ? 0 : Math.abs(v) >= 10 ? 1 : unit === 'x' ? 2 : 2;
	return `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit === 'x' ? '×' : ` ${unit}`}`;
};

function row(f: Figure): string {
	const baseline = f.baseline ? `${num(f.baseline.value, f.unit)} (${f.baseline.name})` : '';
	const ratio = f.baseline && f.baseline.value !== 0 ? `${(f.value / f.baseline.value).toFixed(2)}×` : '';
	const result = f.met === undefined ? '' : f.met ? 'met' : '**missed**';
	return `| ${f.name} | ${num(f.value, f.unit)} | ${baseline} | ${ratio} | ${f.goal ?? ''} | ${result} |`;
}

async function main() {
	const found = new Map<string, BenchFigures>();
	if (existsSync(FIGURES_DIR)) {
		for (const file of (await readdir(FIGURES_DIR)).filter((f) => f.endsWith('.json'))) {
			const figures = JSON.parse(await readFile(path.join(FIGURES_DIR, file), 'utf8')) as BenchFigures;
			found.set(figures.bench, figures);
		}
	}
	const lines = [
		'# Benchmark report',
		'',
		'Written by `npm run bench` (scripts/bench/report.ts) from the figures each benchmark recorded. Every ratio',
		"compares a figure with its baseline measured in the same run on the same machine (machines are noisy:",
		'compare ratios, not absolute times). What each bench measures: the header comment of scripts/bench/<bench>.ts',
		'and the docs it names.',
		''
	];
	const all = [...BENCHES, ...[...found.keys()].filter((b) => !(BENCHES as readonly string[]).includes(b))];
	let met = 0;
	let missed = 0;
	for (const bench of all) {
		const b = found.get(bench);
		lines.push(`## ${bench}`, '');
		if (!b) {
			lines.push('Not run (no figures recorded).', '');
			continue;
		}
		const m = b.machine;
		lines.push(`${b.at.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} × ${m.model}, ${m.memory_gib} GiB, Node ${m.node}, ${m.platform}`, '');
		lines.push('| figure | value | baseline (same run) | ratio | goal | result |', '| --- | --- | --- | --- | --- | --- |');
		for (const f of b.figures) {
			lines.push(row(f));
			if (f.met === true) met++;
			if (f.met === false) missed++;
		}
		lines.push('');
	}
	lines.splice(7, 0, `Goals: ${met} met, ${missed} missed.`, '');
	await writeFile(REPORT, lines.join('\n'));
	console.log(`bench:report: ${path.relative(process.cwd(), REPORT)} (${found.size} benches; goals ${met} met, ${missed} missed)`);
}

main().catch((e: unknown) => {
	console.error('bench:report failed:', e);
	process.exit(1);
});
