/**
 * npm run bench:crew — the crew tablet app (issue 03) against the built app and its embedded store:
 *  1. offline cold start to an interactive Today list: a new page in airplane mode, from navigation start to the
 *     first order card (goal <= 1 s), with the same cold start online as the baseline of this run;
 *  2. initial JavaScript of the crew shell, brotli-compressed (goal <= 150 KB; the map and the solver load lazily);
 *  3. Lighthouse performance score of Today (goal >= 95), desktop and mobile presets.
 * Prints each figure and its goal or ratio.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { chromium, type BrowserContext } from '@playwright/test';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { ROOT, Session, startApp } from '../../tests/helpers/app-server';
import { DEMO_PASSWORD } from '../../tests/helpers/demo';
import { BenchRecord } from './record';

const USER = 'ana';
const COLD_START_RUNS = 10;
const COLD_START_GOAL_MS = 1000;
const INITIAL_JS_GOAL_KB = 150;
const LIGHTHOUSE_GOAL = 95;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const percentile = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** Records (as a string: tsx would wrap a function in helpers the page lacks) when the first order card appears. */
const FIRST_CARD_PROBE = `
	new MutationObserver((_, observer) => {
		if (document.querySelector('[data-testid=order-card]')) {
			window.__firstCardMs = performance.now();
			observer.disconnect();
		}
	}).observe(document, { childList: true, subtree: true });
`;

async function signIn(context: BrowserContext, base: string) {
	const page = await context.newPage();
	await page.goto(`${base}/login`);
	await page.getByLabel('Username').fill(USER);
	await page.getByLabel('Password').fill(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL(/\/crew$/);
	// Offline-ready: the service worker controls the page and keeps the shell; the first download is done.
	const OFFLINE_READY = `(async () => {
		const reg = await navigator.serviceWorker.getRegistration();
		if (reg?.active?.state !== 'activated' || !navigator.serviceWorker.controller) return false;
		let shell = false, map = false;
		for (const name of await caches.keys()) {
			if (name.startsWith('fw-pages-') && (await (await caches.open(name)).match('/crew'))) shell = true;
			if (name.startsWith('fw-map-') && (await (await caches.open(name)).match('/map/area.json'))) map = true;
		}
		return shell && map;
	})()`;
	// page.evaluate awaits the promise (waitForFunction would take the Promise itself as truthy).
	for (let i = 0; !(await page.evaluate(OFFLINE_READY)); i++) {
		if (i > 300) throw new Error('the crew app did not become offline-ready in 30 s');
		await page.waitForTimeout(100);
	}
	await page.locator('[data-testid=sync-phase][data-phase=idle]').waitFor({ timeout: 30_000 });
	await page.locator('[data-testid=order-card]').first().waitFor();
	return page;
}

async function coldStarts(context: BrowserContext, base: string, offline: boolean): Promise<number[]> {
	await context.setOffline(offline);
	const times: number[] = [];
	for (let i = 0; i < COLD_START_RUNS; i++) {
		const page = await context.newPage();
		await page.goto(`${base}/crew`);
		await page.locator('[data-testid=order-card]').first().waitFor();
		times.push(await page.evaluate('window.__firstCardMs'));
		await page.close();
	}
	await context.setOffline(false);
	return times;
}

async function initialJs(context: BrowserContext, base: string) {
	const page = await context.newPage();
	const scripts = new Set<string>();
	page.on('response', (r) => {
		const url = new URL(r.url());
		if (url.origin === base && r.request().resourceType() === 'script') scripts.add(url.pathname);
	});
	await page.goto(`${base}/crew`);
	await page.locator('[data-testid=order-card]').first().waitFor();
	await page.close();
	const files = [...scripts].map((p) => {
		const bytes = new Uint8Array(readFileSync(path.join(ROOT, 'build/client', p)));
		return { path: p, raw: bytes.length, br: brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length, maplibre: Buffer.from(bytes).includes('maplibre') };
	});
	files.sort((a, b) => b.br - a.br);
	return { files, raw: files.reduce((s, f) => s + f.raw, 0), br: files.reduce((s, f) => s + f.br, 0) };
}

async function lighthouseScores(base: string, cookie: string) {
	const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', ...CHROMIUM_ARGS] });
	try {
		const out: { preset: string; score: number; fcp: string; lcp: string; tbt: string; cls: string }[] = [];
		for (const preset of ['desktop', 'mobile'] as const) {
			const flags = { port: chrome.port, onlyCategories: ['performance'], extraHeaders: { Cookie: cookie }, logLevel: 'error' as const, output: 'json' as const };
			const result = await lighthouse(`${base}/crew`, flags, preset === 'desktop' ? desktopConfig : undefined);
			if (!result) throw new Error('Lighthouse gave no result');
			const { lhr } = result;
			const audit = (id: string) => lhr.audits[id]?.displayValue ?? '?';
			out.push({
				preset,
				score: Math.round((lhr.categories.performance?.score ?? 0) * 100),
				fcp: audit('first-contentful-paint'),
				lcp: audit('largest-contentful-paint'),
				tbt: audit('total-blocking-time'),
				cls: audit('cumulative-layout-shift')
			});
		}
		return out;
	} finally {
		chrome.kill();
	}
}

const record = new BenchRecord('crew');

async function main() {
	console.log(`bench:crew on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
	const app = await startApp();
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		await context.addInitScript(FIRST_CARD_PROBE);
		const first = await signIn(context, app.url);

		const online = await coldStarts(context, app.url, false);
		const offline = await coldStarts(context, app.url, true);
		const offP50 = percentile(offline, 50);
		const onP50 = percentile(online, 50);
		console.log('\n1. Cold start to an interactive Today list (navigation start -> first order card), new page each run');
		console.log(`   offline (service worker shell + IndexedDB): median ${offP50.toFixed(0)} ms, p95 ${percentile(offline, 95).toFixed(0)} ms  goal <= ${COLD_START_GOAL_MS} ms: ${verdict(percentile(offline, 95) <= COLD_START_GOAL_MS)}`);
		console.log(`   online baseline (network first):           median ${onP50.toFixed(0)} ms, p95 ${percentile(online, 95).toFixed(0)} ms`);
		console.log(`   ratio offline / online (median): ${(offP50 / onP50).toFixed(2)}x`);
		const offP95 = percentile(offline, 95);
		record.add({ name: 'cold start to an interactive Today, offline, p95', value: offP95, unit: 'ms', baseline: { name: 'online, network first', value: percentile(online, 95) }, goal: `<= ${COLD_START_GOAL_MS} ms`, met: offP95 <= COLD_START_GOAL_MS });

		const js = await initialJs(context, app.url);
		console.log('\n2. JavaScript loaded until Today is interactive (brotli q11 of the built files)');
		console.log(`   ${js.files.length} files, ${kb(js.raw)} raw, ${kb(js.br)} brotli  goal <= ${INITIAL_JS_GOAL_KB} KB: ${verdict(js.br / 1024 <= INITIAL_JS_GOAL_KB)}`);
		for (const f of js.files.slice(0, 5)) console.log(`   ${kb(f.br).padStart(9)}  ${f.path}${f.maplibre ? '  (mentions maplibre)' : ''}`);
		console.log(`   maplibre in the initial load: ${js.files.some((f) => f.maplibre && f.raw > 100 * 1024) ? 'YES' : 'no'}`);
		record.add({ name: `JavaScript until Today is interactive, brotli (${js.files.length} files)`, value: js.br / 1024, unit: 'KB', goal: `<= ${INITIAL_JS_GOAL_KB} KB`, met: js.br / 1024 <= INITIAL_JS_GOAL_KB });
		await first.close();

		const session = new Session(app.url);
		if ((await session.login(USER, DEMO_PASSWORD)).status !== 200) throw new Error('demo login failed');
		const scores = await lighthouseScores(app.url, session.cookie);
		console.log('\n3. Lighthouse performance, Today (/crew), first visit (storage reset)');
		for (const s of scores) {
			console.log(`   ${s.preset.padEnd(8)} score ${s.score}  goal >= ${LIGHTHOUSE_GOAL}: ${verdict(s.score >= LIGHTHOUSE_GOAL)}  FCP ${s.fcp}, LCP ${s.lcp}, TBT ${s.tbt}, CLS ${s.cls}`);
			record.add({ name: `Lighthouse performance, Today, ${s.preset}`, value: s.score, unit: 'score', goal: `>= ${LIGHTHOUSE_GOAL}`, met: s.score >= LIGHTHOUSE_GOAL });
		}
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
