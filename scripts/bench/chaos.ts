/**
 * npm run bench:chaos — the chaos run's summary for bench/REPORT.md (issue 09). Two runs of the same
 * workload (tablets, actions, supervisors, seed) on two app servers over one store:
 *   1. the baseline: no network faults, no offline periods, no kills;
 *   2. chaos: the default faults (drops, resets, truncations, latency, offline periods) and SIGKILLs.
 * Figures: actions decided exactly once, duplicates and missing ones, orders lost, replicas converged (goals:
 * 100 %, 0, 0, 100 %, in both runs), and what the faults cost — the time from the last action until every
 * replica converged, and the tablets' pace — as ratios to the baseline. Each run is `scripts/chaos/run.ts` in
 * a child process (docs/chaos.md), as `npm run chaos` runs it.
 *
 * Env: BENCH_CHAOS_TABLETS (10), BENCH_CHAOS_ACTIONS (40 per tablet), BENCH_CHAOS_KILLS (3), BENCH_CHAOS_SEED (909).
 * Exit code 1 when a run fails its checks.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../tests/helpers/app-server';
import type { ChaosReport } from '../chaos/chaos';
import { BenchRecord } from './record';

const int = (name: string, fallback: number) => {
	const v = Number(process.env[name] ?? fallback);
	if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number, got ${process.env[name]}`);
	return v;
};
const TABLETS = int('BENCH_CHAOS_TABLETS', 10);
const ACTIONS = int('BENCH_CHAOS_ACTIONS', 40);
const KILLS = int('BENCH_CHAOS_KILLS', 3);
const SEED = int('BENCH_CHAOS_SEED', 909);

const common = ['--tablets', String(TABLETS), '--actions', String(ACTIONS), '--servers', '2', '--seed', String(SEED), '--quiet-timeout', '900'];
const CLEAN = ['--kills', '0', '--drop', '0', '--reset', '0', '--truncate', '0', '--latency', '0-0', '--online', '100000-100000'];

async function run(label: string, args: string[], dir: string): Promise<ChaosReport> {
	const json = path.join(dir, `${label}.json`);
	console.log(`[bench:chaos] ${label}: scripts/chaos/run.ts ${[...common, ...args].join(' ')}`);
	const proc = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/chaos/run.ts', ...common, ...args, '--json', json], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'inherit']
	});
	let out = '';
	proc.stdout.on('data', (d: Buffer) => {
		out += d.toString();
	});
	const code: number | null = await new Promise((resolve) => proc.on('close', resolve));
	// The report (the last lines, from "chaos run, seed") is what a reader wants; progress lines are dropped.
	const at = out.lastIndexOf('chaos run, seed');
	console.log(at >= 0 ? out.slice(at).trimEnd() : out.trimEnd());
	const report = JSON.parse(await readFile(json, 'utf8').catch(() => 'null')) as ChaosReport | null;
	if (!report) throw new Error(`the ${label} run wrote no report (exit code ${code})`);
	return report;
}

/** Created actions in the store once and decided once: not missing from the log, not decided twice, not undecided. */
const decidedOnce = (r: ChaosReport) => {
	const c = r.counts;
	const bad = c.duplicates + c.missing; // missing: not in the log, its crew database or its order's history
	return c.actionsCreated === 0 ? 0 : (100 * (c.actionsCreated - bad)) / c.actionsCreated;
};
const converged = (r: ChaosReport) => (r.counts.replicas === 0 ? 0 : (100 * r.counts.replicasConverged) / r.counts.replicas);
const pace = (r: ChaosReport) => r.counts.actionsCreated / (r.activeMs / 1000);

async function main(): Promise<number> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-chaos-'));
	try {
		const clean = await run('baseline (no faults, no kills)', CLEAN, dir);
		const chaos = await run('chaos', ['--kills', String(KILLS)], dir);
		const record = new BenchRecord('chaos');
		const w = `${TABLETS} tablets × ${ACTIONS} actions, 2 servers`;
		const base = (value: number) => ({ name: 'same workload, no faults or kills', value });
		record.add({ name: `actions created (${w})`, value: chaos.counts.actionsCreated, unit: 'actions', baseline: base(clean.counts.actionsCreated) });
		record.add({ name: 'actions in the store once and decided once (applied, no-op, conflict)', value: decidedOnce(chaos), unit: '%', baseline: base(decidedOnce(clean)), goal: '100 %', met: decidedOnce(chaos) === 100 && chaos.ok });
		record.add({ name: 'actions duplicated or missing', value: chaos.counts.duplicates + chaos.counts.missing, unit: 'actions', baseline: base(clean.counts.duplicates + clean.counts.missing), goal: '0', met: chaos.counts.duplicates + chaos.counts.missing === 0 });
		record.add({ name: 'orders lost, added or in two crew databases', value: chaos.counts.ordersLost + chaos.counts.ordersAdded + chaos.counts.ordersInSeveralCrewDbs, unit: 'orders', baseline: base(clean.counts.ordersLost + clean.counts.ordersAdded + clean.counts.ordersInSeveralCrewDbs), goal: '0', met: chaos.counts.ordersLost + chaos.counts.ordersAdded + chaos.counts.ordersInSeveralCrewDbs === 0 });
		record.add({ name: 'replicas converged to their crew database', value: converged(chaos), unit: '%', baseline: base(converged(clean)), goal: '100 %', met: converged(chaos) === 100 });
		record.add({ name: `SIGKILL + restart of an app server`, value: chaos.kills.length, unit: 'kills', baseline: base(clean.kills.length), goal: `${KILLS}`, met: chaos.kills.length === KILLS });
		record.add({ name: 'faults injected (dropped, reset, truncated, cut offline)', value: chaos.faults.dropped + chaos.faults.reset + chaos.faults.truncated + chaos.faults.refusedOffline, unit: 'connections', baseline: base(clean.faults.dropped + clean.faults.reset + clean.faults.truncated + clean.faults.refusedOffline) });
		record.add({ name: 'tablets\u2019 pace while active', value: pace(chaos), unit: 'actions/s', baseline: base(pace(clean)) });
		record.add({ name: 'last action → every replica converged', value: chaos.quietMs / 1000, unit: 's', baseline: base(clean.quietMs / 1000) });
		record.add({ name: 'whole run', value: chaos.totalMs / 1000, unit: 's', baseline: base(clean.totalMs / 1000) });
		const file = await record.save();
		console.log(`\n[bench:chaos] baseline ${clean.ok ? 'PASS' : 'FAIL'}, chaos ${chaos.ok ? 'PASS' : 'FAIL'}; converged ${(chaos.quietMs / 1000).toFixed(1)} s after the last action vs ${(clean.quietMs / 1000).toFixed(1)} s without faults (${(chaos.quietMs / Math.max(1, clean.quietMs)).toFixed(2)}×); figures in ${path.relative(ROOT, file)}`);
		return clean.ok && chaos.ok ? 0 : 1;
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

main().then(
	(code) => process.exit(code),
	(e: unknown) => {
		console.error(e instanceof Error ? e.message : e);
		process.exit(1);
	}
);
