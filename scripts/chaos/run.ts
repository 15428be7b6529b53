/**
 * npm run chaos — the reliability run of issue 09 (docs/chaos.md): simulated tablets sync through
 * fault-injecting proxies, go offline and online, record actions with photos while supervisors reassign
 * orders, and the app server is SIGKILLed and restarted; then the checks. Prints the counts; exit code 1
 * when a check fails (the run's directory, with every server's log, is kept then).
 *
 *   npm run chaos -- --tablets 20 --actions 200 --kills 4 --servers 2 --seed 7
 *
 * Options (docs/chaos.md): --tablets, --actions (per tablet), --seed, --kills, --servers 1|2, --supervisors;
 * faults --drop, --reset, --truncate (shares of connections), --fault-bytes (mean response bytes before a
 * reset or truncation), --latency (ms per chunk, "min-max"); pacing --think (ms between a tablet's actions),
 * --online and --offline (seconds), --announced (share of offline periods the OS announces),
 * --supervisor-pause (ms), --down (seconds a killed server stays down); --quiet-timeout (seconds),
 * --json <file> (the report as JSON, read by tests/integration/chaos.test.ts), --keep (keep the run
 * directory), --trace (log every tablet's HTTP exchanges into the run's logs). Each can also come from the environment: CHAOS_TABLETS, CHAOS_FAULT_BYTES, …
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ROOT } from '../../tests/helpers/app-server';
import { runChaos, type ChaosReport } from './chaos';

const range = z
	.string()
	.regex(/^\d+(\.\d+)?-\d+(\.\d+)?$/, 'a range like 100-600')
	.transform((s) => s.split('-').map(Number) as [number, number])
	.refine(([a, b]) => a <= b, 'the range must go from low to high');
const share = z.coerce.number().min(0).max(1);

const optionsSchema = z
	.object({
		tablets: z.coerce.number().int().min(1).max(100).default(6),
		actions: z.coerce.number().int().min(1).max(10_000).default(30),
		seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(() => Math.floor(Math.random() * 2 ** 32)),
		kills: z.coerce.number().int().min(0).max(100).default(2),
		servers: z.coerce.number().int().min(1).max(2).default(1),
		drop: share.default(0.03),
		reset: share.default(0.05),
		truncate: share.default(0.05),
		'fault-bytes': z.coerce.number().int().positive().default(1024),
		latency: range.default([0, 30]),
		think: range.default([200, 1200]),
		online: range.default([5, 20]),
		offline: range.default([1, 8]),
		announced: share.default(0.5),
		supervisors: z.coerce.number().int().min(0).max(20).default(2),
		'supervisor-pause': range.default([300, 1500]),
		down: range.default([0.5, 4]),
		'quiet-timeout': z.coerce.number().positive().default(300),
		json: z.string().optional(),
		keep: z.boolean().default(false),
		trace: z.boolean().default(false)
	})
	.refine((o) => o.drop + o.reset + o.truncate <= 1, { message: 'drop + reset + truncate must be at most 1' });

const NAMES = Object.keys(optionsSchema.shape) as (keyof z.input<typeof optionsSchema>)[];

function readOptions(argv: string[], env: NodeJS.ProcessEnv) {
	const { values } = parseArgs({
		args: argv,
		options: Object.fromEntries(NAMES.map((n) => [n, { type: n === 'keep' || n === 'trace' ? 'boolean' : 'string' }])) as Record<string, { type: 'string' | 'boolean' }>,
		strict: true
	});
	const fromEnv = Object.fromEntries(
		NAMES.map((n) => [n, env[`CHAOS_${n.toUpperCase().replaceAll('-', '_')}`]] as const).filter(([, v]) => v !== undefined && v !== '')
	);
	const merged: Record<string, unknown> = { ...fromEnv, ...values };
	for (const flag of ['keep', 'trace']) if (typeof merged[flag] === 'string') merged[flag] = merged[flag] === '1' || merged[flag] === 'true';
	const parsed = optionsSchema.safeParse(merged);
	if (!parsed.success) {
		throw new Error(`chaos: ${parsed.error.issues.map((i) => `--${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
	}
	return parsed.data;
}

const pct = (n: number, of: number) => (of === 0 ? '0' : ((100 * n) / of).toFixed(1));
const list = (m: Record<string, number>) =>
	Object.entries(m)
		.sort((a, b) => b[1] - a[1])
		.map(([k, v]) => `${k} ${v}`)
		.join(', ') || 'none';

export function formatReport(r: ChaosReport): string {
	const c = r.counts;
	const o = r.options;
	const f = r.faults;
	const killed = r.kills.map((k) => `${k.server} at ${k.atActions} actions, back in ${((k.downMs + k.restartMs) / 1000).toFixed(1)} s`).join('; ');
	return [
		`chaos run, seed ${o.seed}: ${o.tablets} tablets × ${o.actionsPerTablet} actions, ${o.servers} app server${o.servers > 1 ? 's over one store' : ''}, on ${r.machine}`,
		`  time:        ${(r.totalMs / 1000).toFixed(1)} s in all; active ${(r.activeMs / 1000).toFixed(1)} s, quiet until converged ${(r.quietMs / 1000).toFixed(1)} s`,
		`  kills:       ${r.kills.length} SIGKILL + restart (${killed || 'none'})`,
		`  network:     ${f.connections} connections: ${f.dropped} dropped, ${f.reset} reset, ${f.truncated} truncated, ${f.refusedOffline} cut or refused offline, ${f.upstreamDown} with no server up; ${r.offlinePeriods} offline periods; ${r.pouchUnhandledNetworkErrors} network errors PouchDB left unhandled`,
		`  supervisors: ${o.supervisors}, ${r.supervisor.requests} reassignments asked: ${r.supervisor.applied} done, ${r.supervisor.refused} refused (409), ${r.supervisor.failed} failed (${list(r.supervisor.failures)})`,
		`  actions:     ${c.actionsCreated} created by the tablets; in the store: ${c.inLog} in the actions log, ${c.inCrewDb} in crew databases`,
		`               ${c.applied} applied, ${c.noop} no-op, ${c.conflicts} conflicts (${list(c.conflictReasons)}), ${c.positions} positions`,
		`               duplicates ${c.duplicates}, missing ${c.missing}, conflicts without inbox entry ${c.conflictDocsMissing}, stale open conflicts ${c.staleConflicts}`,
		`  supervisor actions in the log: ${c.supervisorActions}, never applied ${c.supervisorActionsUnapplied}`,
		`  orders:      ${c.ordersBefore} before, ${c.ordersAfter} after: lost ${c.ordersLost}, added ${c.ordersAdded}, in several crew databases ${c.ordersInSeveralCrewDbs}, projection mismatches ${c.projectionMismatches} (${list(c.ordersByStatus)})`,
		`  replicas:    ${c.replicasConverged}/${c.replicas} converged to their crew database (${pct(c.replicasConverged, c.replicas)} %)`,
		r.ok ? 'RESULT: PASS' : ['RESULT: FAIL', ...r.failures.map((x) => `  - ${x}`), `  run directory kept: ${r.runDir}`].join('\n')
	].join('\n');
}

async function main(): Promise<number> {
	const o = readOptions(process.argv.slice(2), process.env);
	if (!existsSync(path.join(ROOT, 'build', 'index.js'))) {
		console.log('[chaos] no build found: building the app first (npm run build)');
		const res = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
		if (res.status !== 0) return 1;
	}
	const report = await runChaos({
		tablets: o.tablets,
		actionsPerTablet: o.actions,
		seed: o.seed,
		kills: o.kills,
		servers: o.servers as 1 | 2,
		faults: { drop: o.drop, reset: o.reset, truncate: o.truncate, meanBytesBeforeFault: o['fault-bytes'], latencyMs: o.latency },
		thinkMs: o.think,
		onlineSeconds: o.online,
		offlineSeconds: o.offline,
		announcedOffline: o.announced,
		supervisors: o.supervisors,
		supervisorMs: o['supervisor-pause'],
		downSeconds: o.down,
		quietTimeoutSeconds: o['quiet-timeout'],
		keep: o.keep,
		trace: o.trace,
		log: (line) => console.log(line)
	});
	console.log(formatReport(report));
	if (o.json) await writeFile(o.json, JSON.stringify(report, null, 2) + '\n');
	return report.ok ? 0 : 1;
}

main().then(
	(code) => process.exit(code),
	(e: unknown) => {
		console.error(e instanceof Error ? e.message : e);
		process.exit(1);
	}
);
