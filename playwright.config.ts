import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

/**
 * End-to-end tests against the BUILT app (`npm run build` first; npm test does it) in Debian's Chromium
 * (/usr/bin/chromium; Playwright's own browser download cannot work here). The server gets a fresh
 * temporary DATA_DIR, so every run starts from the seeded demo data.
 */
const PORT = Number(process.env.E2E_PORT ?? 4173);
const DATA_DIR = path.join(os.tmpdir(), `fw-e2e-${process.pid}`);

export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: false,
	workers: 1,
	forbidOnly: true,
	retries: 0,
	timeout: 60_000,
	reporter: [['list']],
	use: {
		baseURL: `http://127.0.0.1:${PORT}`,
		screenshot: 'only-on-failure',
		trace: 'off',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		}
	},
	projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
	webServer: {
		command: `rm -rf ${DATA_DIR} && node scripts/start.js --no-build`,
		url: `http://127.0.0.1:${PORT}/healthz`,
		timeout: 120_000,
		reuseExistingServer: false,
		env: { PORT: String(PORT), HOST: '127.0.0.1', DATA_DIR, STORE_PORT: '0', SEED: 'demo' },
		stdout: 'ignore',
		stderr: 'pipe'
	}
});
