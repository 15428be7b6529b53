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
// Resident e-mails go to a real SMTP server on loopback (tests/helpers/mail-sink.ts); tests read them over HTTP.
const MAIL_SINK_HTTP_PORT = PORT + 1; // tests/e2e/mail.ts reads it the same way
const MAIL_SINK_SMTP_PORT = PORT + 2;

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
	webServer: [
		{
			command: 'npx tsx tests/helpers/mail-sink.ts',
			url: `http://127.0.0.1:${MAIL_SINK_HTTP_PORT}/healthz`,
			timeout: 30_000,
			reuseExistingServer: false,
			env: { MAIL_SINK_SMTP_PORT: String(MAIL_SINK_SMTP_PORT), MAIL_SINK_HTTP_PORT: String(MAIL_SINK_HTTP_PORT) },
			stdout: 'ignore',
			stderr: 'pipe'
		},
		{
			command: `rm -rf ${DATA_DIR} && node scripts/start.js --no-build`,
			url: `http://127.0.0.1:${PORT}/healthz`,
			timeout: 120_000,
			reuseExistingServer: false,
			env: {
				PORT: String(PORT),
				HOST: '127.0.0.1',
				DATA_DIR,
				STORE_PORT: '0',
				SEED: 'demo',
				SMTP_URL: `smtp://127.0.0.1:${MAIL_SINK_SMTP_PORT}`,
				MAIL_FROM: 'SF 311 <no-reply@fieldwork.test>'
			},
			stdout: 'ignore',
			stderr: 'pipe'
		}
	]
});
