import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SECRET_BYTES = 32; // 256 bits

/**
 * Reads a generated secret from DATA_DIR/secrets/<name>, creating it (mode 0600) on first use.
 * Used for what a demo needs without configuration (the embedded store's password, a session key when
 * SESSION_SECRET is unset); never committed, never logged.
 */
export async function loadOrCreateSecret(dataDir: string, name: string): Promise<string> {
	const dir = path.join(dataDir, 'secrets');
	const file = path.join(dir, name);
	try {
		const existing = (await readFile(file, 'utf8')).trim();
		if (existing.length >= 32) return existing;
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
	}
	await mkdir(dir, { recursive: true, mode: 0o700 });
	const secret = randomBytes(SECRET_BYTES).toString('base64url');
	// 'wx' fails if another process created it meanwhile: then read theirs.
	try {
		await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' });
		return secret;
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
		throw e;
	}
}
