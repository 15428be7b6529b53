/**
 * npm run bench:map — the offline map (issue 04) in headless Chromium against the built app:
 *  1. area download: the files, bytes and time to store the whole area (style, tiles, glyphs) in Cache Storage;
 *  2. new Map -> idle with the network off (goal <= 1.5 s), and the same online as this run's baseline;
 *  3. JS heap during BENCH_PAN_SECONDS (default 120) of scripted pan and zoom, after forced GCs: no steady growth.
 */
import os from 'node:os';
import { chromium, type Page } from '@playwright/test';
import { startApp } from '../../tests/helpers/app-server';
import { DEMO_PASSWORD } from '../../tests/helpers/demo';
import { BenchRecord } from './record';

const USER = 'gus';
const IDLE_RUNS = 5;
const IDLE_GOAL_MS = 1500;
const PAN_SECONDS = Number(process.env.BENCH_PAN_SECONDS ?? 120);
const HEAP_SAMPLE_EVERY_S = 10;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

/** Readiness as a string expression: page.evaluate awaits it (tsx would wrap a function in helpers the page lacks). */
const MAP_STORED = `(async () => {
	for (const name of await caches.keys()) if (name.startsWith('fw-map-') && (await (await caches.open(name)).match('/map/area.json'))) return true;
	return false;
})()`;

const DOWNLOAD = `(async () => {
	const t0 = performance.now();
	const manifest = await (await fetch('/map/area.json', { cache: 'no-store' })).json();
	const cache = await caches.open('bench-download');
	const queue = [...manifest.files];
	const worker = async () => { for (let f = queue.shift(); f; f = queue.shift()) await cache.put(f.url, await fetch(f.url, { cache: 'no-store' })); };
	await Promise.all([worker(), worker(), worker(), worker()]);
	await caches.delete('bench-download');
	return { ms: performance.now() - t0, files: manifest.files.length, bytes: manifest.total_bytes };
})()`;

async function mapIdleMs(page: Page, url: string): Promise<number> {
	await page.goto(url);
	await page.locator('[data-testid=map][data-idle=true]').waitFor({ timeout: 30_000 });
	return page.evaluate(`performance.getEntriesByName('fw-map-idle')[0].duration`);
}

const record = new BenchRecord('map');

async function main() {
	console.log(`bench:map on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
	const app = await startApp();
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const page = await context.newPage();
		await page.goto(`${app.url}/login`);
		await page.getByLabel('Username').fill(USER);
		await page.getByLabel('Password').fill(DEMO_PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(/\/crew$/);
		for (let i = 0; !(await page.evaluate(MAP_STORED)); i++) {
			if (i > 300) throw new Error('the map area was not stored within 30 s');
			await page.waitForTimeout(100);
		}

		const dl = (await page.evaluate(DOWNLOAD)) as { ms: number; files: number; bytes: number };
		console.log('\n1. Area download (what a tablet stores after sign-in)');
		console.log(`   ${dl.files} files, ${(dl.bytes / 1024).toFixed(0)} KB, ${dl.ms.toFixed(0)} ms on loopback`);
		record.add({ name: `offline area download (${dl.files} files, ${(dl.bytes / 1024).toFixed(0)} KB) on loopback`, value: dl.ms, unit: 'ms' });

		const online: number[] = [];
		for (let i = 0; i < IDLE_RUNS; i++) online.push(await mapIdleMs(page, `${app.url}/crew/map`));
		await context.setOffline(true);
		const offline: number[] = [];
		for (let i = 0; i < IDLE_RUNS; i++) offline.push(await mapIdleMs(page, `${app.url}/crew/map`));
		console.log('\n2. new Map -> first idle (crew map, all stops), median of', IDLE_RUNS);
		console.log(`   offline ${median(offline).toFixed(0)} ms  goal <= ${IDLE_GOAL_MS} ms: ${median(offline) <= IDLE_GOAL_MS ? 'PASS' : 'MISS'}`);
		console.log(`   online baseline ${median(online).toFixed(0)} ms; ratio offline / online ${(median(offline) / median(online)).toFixed(2)}x`);
		record.add({ name: `new Map -> first idle, offline (median of ${IDLE_RUNS})`, value: median(offline), unit: 'ms', baseline: { name: 'online', value: median(online) }, goal: `<= ${IDLE_GOAL_MS} ms`, met: median(offline) <= IDLE_GOAL_MS });

		const cdp = await context.newCDPSession(page);
		const heap = async () => {
			await cdp.send('HeapProfiler.collectGarbage');
			return (await cdp.send('Runtime.getHeapUsage')).usedSize;
		};
		const box = (await page.locator('[data-testid=map]').boundingBox())!;
		const cx = box.x + box.width / 2;
		const cy = box.y + box.height / 2;
		const samples: number[] = [await heap()];
		const end = Date.now() + PAN_SECONDS * 1000;
		let nextSample = Date.now() + HEAP_SAMPLE_EVERY_S * 1000;
		let step = 0;
		while (Date.now() < end) {
			const dx = ((step % 4) - 1.5) * 120;
			const dy = (((step >> 2) % 4) - 1.5) * 80;
			await page.mouse.move(cx, cy);
			await page.mouse.down();
			await page.mouse.move(cx + dx, cy + dy, { steps: 8 });
			await page.mouse.up();
			await page.mouse.wheel(0, step % 2 === 0 ? -300 : 300);
			await page.waitForTimeout(150);
			step++;
			if (Date.now() >= nextSample) {
				samples.push(await heap());
				nextSample += HEAP_SAMPLE_EVERY_S * 1000;
			}
		}
		samples.push(await heap());
		const half = Math.floor(samples.length / 2);
		const firstHalf = median(samples.slice(1, half + 1));
		const secondHalf = median(samples.slice(half));
		console.log(`\n3. JS heap during ${PAN_SECONDS} s of pan and zoom offline (${step} gestures), after GC`);
		console.log(`   start ${mb(samples[0]!)}, end ${mb(samples.at(-1)!)}; samples ${samples.map(mb).join(' ')}`);
		console.log(`   second half / first half (median): ${(secondHalf / firstHalf).toFixed(2)}x  (steady growth would be well above 1.1x)`);
		record.add({
			name: `JS heap after ${PAN_SECONDS} s of offline pan and zoom, second half (median, MB)`,
			value: secondHalf / 2 ** 20,
			unit: 'MB',
			baseline: { name: 'first half', value: firstHalf / 2 ** 20 },
			goal: 'no steady growth (ratio <= 1.1×)',
			met: secondHalf / firstHalf <= 1.1
		});
		await record.save();
	} finally {
		await browser.close();
		await app.stop();
	}
}

main().catch((e: unknown) => {
	console.error(e);
	process.exit(1);
});
