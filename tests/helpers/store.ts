/** Direct access to a running test app's embedded store (what the gateway stands in front of). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CouchClient } from '../../src/lib/server/store/couch-client';
import { STORE_USER } from '../../src/lib/server/store/embedded';

export async function storeUrlOf(dataDir: string): Promise<string> {
	const { port } = JSON.parse(await readFile(path.join(dataDir, 'store.json'), 'utf8')) as { port: number };
	const password = (await readFile(path.join(dataDir, 'secrets', 'store-password'), 'utf8')).trim();
	return `http://${STORE_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
}

export async function storeOf(dataDir: string): Promise<CouchClient> {
	return new CouchClient(await storeUrlOf(dataDir));
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000, stepMs = 50): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const v = await check();
			if (v !== undefined) return v;
		} catch (e) {
			last = e;
		}
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
		await new Promise((r) => setTimeout(r, stepMs));
	}
}
