#!/usr/bin/env node
/**
 * npm start: builds the app when the build is missing or older than the sources, then runs the
 * adapter-node server (which starts the embedded store and seeds demo data on first start).
 * Flags: --no-build (use the existing build as it is).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'build', '.build-stamp');
const SOURCES = ['src', 'service-worker', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'];

/** @param {string} p @returns {number} */
function newestMtime(p) {
	if (!existsSync(p)) return 0;
	const st = statSync(p);
	if (!st.isDirectory()) return st.mtimeMs;
	return readdirSync(p).reduce((max, name) => Math.max(max, newestMtime(path.join(p, name))), st.mtimeMs);
}

const wantBuild = !process.argv.includes('--no-build');
if (wantBuild) {
	const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
	const changed = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
	if (changed > built) {
		console.log('[start] building the app (vite build)…');
		const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
		const res = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
		if (res.status !== 0) process.exit(res.status ?? 1);
		writeFileSync(stamp, new Date().toISOString() + '\n');
	}
}

const entry = path.join(root, 'build', 'index.js');
if (!existsSync(entry)) {
	console.error('[start] no build found: run `npm run build` first (or `npm start` without --no-build)');
	process.exit(1);
}
process.env.PORT ??= '3000';
// adapter-node's request body limit: the sync gateway bounds its own bodies (photos), so allow them through.
process.env.BODY_SIZE_LIMIT ??= '32M';
console.log(`[start] Fieldwork 311 on http://localhost:${process.env.PORT}`);
await import(pathToFileURL(entry).href);
