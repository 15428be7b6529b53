/**
 * npm run route -- <file.tsp> [--ms 200] [--seed N]
 * Solves a TSPLIB instance with the app's route solver (src/lib/routing/tsp.ts) and prints the tour length with
 * TSPLIB's integer rounding. The last line is always `length=<int> ms=<int>`. Exit 2 on bad input, with the reason.
 */
import { readFileSync } from 'node:fs';
import { solveTsp } from '../src/lib/routing/tsp';
import { parseTsplib, tourLength } from '../src/lib/routing/tsplib';

const USAGE = 'usage: npm run route -- <file.tsp> [--ms <time budget, default 200>] [--seed <integer, default 1>]';

function fail(message: string): never {
	console.error(`route: ${message}\n${USAGE}`);
	process.exit(2);
}

const args = process.argv.slice(2);
let file: string | undefined;
let ms = 200;
let seed = 1;
for (let i = 0; i < args.length; i++) {
	const a = args[i]!;
	if (a === '--ms' || a === '--seed') {
		const v = Number(args[++i]);
		if (!Number.isInteger(v) || v < 0) fail(`${a} needs a non-negative integer`);
		if (a === '--ms') ms = v;
		else seed = v;
	} else if (a.startsWith('--')) fail(`unknown option ${a}`);
	else if (file) fail('give one .tsp file');
	else file = a;
}
if (!file) fail('no .tsp file given');

let text: string;
try {
	text = readFileSync(file, 'utf8');
} catch (e) {
	fail(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
}
let inst: ReturnType<typeof parseTsplib>;
try {
	inst = parseTsplib(text);
} catch (e) {
	fail(`${file}: ${e instanceof Error ? e.message : String(e)}`);
}
const t0 = performance.now();
const result = solveTsp(inst.matrix, inst.dimension, { timeBudgetMs: ms, seed });
const elapsed = performance.now() - t0;
const length = tourLength(inst, result.tour);
console.log(`${inst.name}: ${inst.dimension} cities (${inst.type}), ${result.kicks} kicks, seed ${seed}`);
console.log(`length=${length} ms=${Math.round(elapsed)}`);
