/**
 * A short chaos run (docs/chaos.md) as part of npm test: `npm run chaos` as a child process, 4 tablets × 15
 * actions through fault-injecting proxies, two SIGKILLs, once with one app server and once with two over
 * one store. Whatever the faults did, every action the tablets created must be in the store once and
 * decided, every replica must equal its crew database, and no order may be lost or added.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosReport } from '../../scripts/chaos/chaos';
import { ROOT } from '../helpers/app-server';

const RUN_TIMEOUT_MS = 6 * 60 * 1000; // a busy 2-core machine: the run itself takes about a minute
const TABLETS = 4;
const ACTIONS = 15;
const KILLS = 2;

let tmp: string;
beforeAll(async () => {
	tmp = await mkdtemp(path.join(os.tmpdir(), 'fw-chaos-test-'));
});
afterAll(async () => {
	await rm(tmp, { recursive: true, force: true });
});

async function chaos(servers: 1 | 2, seed: number): Promise<{ code: number | null; output: string; report: ChaosReport }> {
	const json = path.join(tmp, `report-${servers}.json`);
	const args = ['scripts/chaos/run.ts', '--tablets', String(TABLETS), '--actions', String(ACTIONS), '--kills', String(KILLS)];
	args.push('--servers', String(servers), '--seed', String(seed), '--quiet-timeout', '180', '--json', json);
	const proc = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
	proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
	const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
	console.log(output);
	const report = JSON.parse(await readFile(json, 'utf8')) as ChaosReport;
	return { code, output, report };
}

function expectAllAccountedFor(report: ChaosReport): void {
	const c = report.counts;
	expect(report.failures).toEqual([]);
	expect(c.actionsCreated).toBe(TABLETS * ACTIONS);
	expect(c.inLog).toBe(c.actionsCreated);
	expect(c.inCrewDb).toBe(c.actionsCreated);
	expect(c.applied + c.noop + c.conflicts + c.positions).toBe(c.actionsCreated);
	expect(c.duplicates).toBe(0);
	expect(c.missing).toBe(0);
	expect(c.conflictDocsMissing).toBe(0);
	expect(c.supervisorActionsUnapplied).toBe(0);
	expect(c.ordersAfter).toBe(c.ordersBefore);
	expect(c.ordersLost + c.ordersAdded + c.ordersInSeveralCrewDbs + c.projectionMismatches).toBe(0);
	expect(c.replicasConverged).toBe(TABLETS);
	expect(report.kills).toHaveLength(KILLS);
	// The network did misbehave: some connections were dropped, reset or cut.
	expect(report.faults.dropped + report.faults.reset + report.faults.truncated).toBeGreaterThan(0);
}

describe('npm run chaos (short)', () => {
	it('one app server, killed twice: nothing lost, nothing applied twice, every replica converged', { timeout: RUN_TIMEOUT_MS }, async () => {
		const { code, output, report } = await chaos(1, 9);
		expect(code, output).toBe(0);
		expect(report.ok).toBe(true);
		expectAllAccountedFor(report);
		expect(output).toContain('RESULT: PASS');
	});

	it('two app servers over one store, each killed once: the same, with tablets spread over both', { timeout: RUN_TIMEOUT_MS }, async () => {
		const { code, output, report } = await chaos(2, 10);
		expect(code, output).toBe(0);
		expectAllAccountedFor(report);
		expect(new Set(report.kills.map((k) => k.server))).toEqual(new Set(['A', 'B']));
	});
});
