/**
 * npm run tiles [-- <area dir>] — rebuilds the vector tiles of a map area (default map-data/sf-downtown) from its
 * OSM extract with Debian's tilemaker (apt-get install tilemaker) and its shipped OpenMapTiles profile:
 * <area>/source/*.osm.pbf + <area>/source/tilemaker-config*.json  ->  <area>/tiles/{z}/{x}/{y}.pbf (uncompressed).
 * The built tiles are committed, so a clean clone and CI never need tilemaker.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PROFILE = '/usr/share/doc/tilemaker/examples/process-openmaptiles.lua';
const areaDir = path.resolve(process.argv[2] ?? 'map-data/sf-downtown');
const sourceDir = path.join(areaDir, 'source');

function fail(message: string): never {
	console.error(`npm run tiles: ${message}`);
	process.exit(1);
}

try {
	execFileSync('tilemaker', ['--help'], { stdio: 'ignore' });
} catch {
	fail('tilemaker is not installed. On Debian: sudo apt-get install -y tilemaker');
}
if (!existsSync(PROFILE)) fail(`the OpenMapTiles profile ${PROFILE} is missing (Debian's tilemaker package ships it)`);
const pbf = readdirSync(sourceDir).find((f) => f.endsWith('.osm.pbf')) ?? fail(`no .osm.pbf in ${sourceDir}`);
const configName = readdirSync(sourceDir).find((f) => f.startsWith('tilemaker-config') && f.endsWith('.json')) ?? fail(`no tilemaker-config*.json in ${sourceDir}`);

// Uncompressed tiles in a directory: what the app serves and the devices store.
const config = JSON.parse(readFileSync(path.join(sourceDir, configName), 'utf8')) as { settings: Record<string, unknown> };
config.settings.compress = 'none';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fw-tiles-'));
try {
	const configPath = path.join(tmp, 'config.json');
	writeFileSync(configPath, JSON.stringify(config));
	const out = path.join(tmp, 'tiles');
	execFileSync('tilemaker', ['--input', path.join(sourceDir, pbf), '--output', out, '--config', configPath, '--process', PROFILE], { stdio: 'inherit' });
	const target = path.join(areaDir, 'tiles');
	rmSync(target, { recursive: true, force: true });
	execFileSync('cp', ['-r', out, target]);
	const count = execFileSync('find', [target, '-name', '*.pbf']).toString().trim().split('\n').length;
	console.log(`npm run tiles: ${count} tiles written to ${path.relative(process.cwd(), target)}`);
} finally {
	rmSync(tmp, { recursive: true, force: true });
}
