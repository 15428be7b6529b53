/**
 * How tools (the import CLI, benchmarks) reach the store: COUCHDB_URL if set; else the embedded store of a
 * running app (its port in DATA_DIR/store.json); else the tool starts the embedded store itself.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import { CouchClient } from './couch-client';
import { STORE_HOST, STORE_USER, startEmbeddedStore, storeInfoFile } from './embedded';

export interface StoreConnection {
	client: CouchClient;
	how: 'couchdb' | 'running app' | 'started here';
	close(): Promise<void>;
}

async function runningEmbedded(dataDir: string): Promise<CouchClient | null> {
	try {
		const { port } = JSON.parse(await readFile(storeInfoFile(dataDir), 'utf8')) as { port: number };
		const password = (await readFile(path.join(dataDir, 'secrets', 'store-password'), 'utf8')).trim();
		const client = new CouchClient(`http://${STORE_USER}:${encodeURIComponent(password)}@${STORE_HOST}:${port}`);
		await client.ping(AbortSignal.timeout(2000));
		return client;
	} catch {
		// No running app (or a stale store.json): the caller starts the store itself.
		return null;
	}
}

export async function connectStore(config: Config): Promise<StoreConnection> {
	if (config.COUCHDB_URL) return { client: new CouchClient(config.COUCHDB_URL), how: 'couchdb', close: async () => {} };
	const running = await runningEmbedded(config.dataDir);
	if (running) return { client: running, how: 'running app', close: async () => {} };
	const store = await startEmbeddedStore(config.dataDir, 0);
	return { client: new CouchClient(store.url), how: 'started here', close: () => store.close() };
}
