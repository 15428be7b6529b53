/**
 * The embedded CouchDB-compatible store (DESIGN.md point 1): PouchDB on LevelDB served by express-pouchdb
 * inside Express 4 (express-pouchdb's _changes breaks under Express 5). It listens on 127.0.0.1 only and
 * requires a generated password, so nothing outside this machine — and no other local user without the
 * data directory — can reach it. The app talks to it through CouchClient, exactly as to Apache CouchDB.
 *
 * It runs in a worker thread of the app's process (issue 09, docs/load.md): the store has its own event loop
 * and can use another core, so a burst of replication (100 tablets signing in at once) no longer holds up the
 * app's pages and APIs — and it still lives and dies with the app (a SIGKILL takes both, as before; no
 * orphaned process holding the LevelDB lock). The worker's code is plain CommonJS in a string: it must run
 * the same from the built app, the dev server and tsx, and bundlers would rewrite a function's source.
 */
import { createRequire } from 'node:module';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadOrCreateSecret } from '../secrets';

export const STORE_HOST = '127.0.0.1'; // loopback only: the store never faces the network
export const STORE_USER = 'fieldwork';
const STORE_SECRET_NAME = 'store-password';

export interface EmbeddedStore {
	/** http://user:password@127.0.0.1:port — for CouchClient, never to be logged. */
	url: string;
	port: number;
	close(): Promise<void>;
}

/** The file where a running embedded store leaves its port, so the import CLI can reach it. */
export const storeInfoFile = (dataDir: string) => path.join(dataDir, 'store.json');

interface WorkerData {
	modules: { express: string; expressPouchDB: string; pouchdb: string };
	storeDir: string;
	logPath: string;
	expected: string;
	port: number;
	host: string;
}
type FromWorker = { type: 'listening'; port: number } | { type: 'failed'; message: string; code?: string } | { type: 'closed' };

/** The store's thread: Express 4 + express-pouchdb on PouchDB (LevelDB under storeDir), behind Basic auth. */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { timingSafeEqual } = require('node:crypto');
const path = require('node:path');
const d = workerData;
const express = require(d.modules.express);
const expressPouchDB = require(d.modules.expressPouchDB);
const PouchDB = require(d.modules.pouchdb);
const expected = Buffer.from(d.expected);
const authorized = (header) => {
	const got = Buffer.from(header || '');
	return got.length === expected.length && timingSafeEqual(got, expected);
};
const LocalPouch = PouchDB.defaults({ prefix: d.storeDir + path.sep });
const app = express();
app.disable('x-powered-by');
app.use((req, res, next) => {
	if (authorized(req.headers.authorization)) return next();
	res.status(401).json({ error: 'unauthorized', reason: 'Name or password is incorrect.' });
});
app.use(expressPouchDB(LocalPouch, { mode: 'minimumForPouchDB', overrideMode: { include: ['routes/find'] }, logPath: d.logPath }));
const server = app.listen(d.port, d.host);
server.once('listening', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
server.once('error', (e) => parentPort.postMessage({ type: 'failed', message: e.message, code: e.code }));
parentPort.on('message', (m) => {
	if (m !== 'close') return;
	server.close(() => parentPort.postMessage({ type: 'closed' }));
	server.closeAllConnections();
});
`;

export async function startEmbeddedStore(dataDir: string, port: number): Promise<EmbeddedStore> {
	const storeDir = path.join(dataDir, 'store');
	await mkdir(storeDir, { recursive: true });
	const password = await loadOrCreateSecret(dataDir, STORE_SECRET_NAME);
	// The worker resolves nothing itself: eval'd code resolves from the working directory, so the app's own
	// copies are passed by path (resolved from this module, in the build as in the sources).
	const require = createRequire(import.meta.url);
	const data: WorkerData = {
		modules: { express: require.resolve('express'), expressPouchDB: require.resolve('express-pouchdb'), pouchdb: require.resolve('pouchdb') },
		storeDir,
		logPath: path.join(dataDir, 'store-log.txt'),
		expected: 'Basic ' + Buffer.from(`${STORE_USER}:${password}`).toString('base64'),
		port,
		host: STORE_HOST
	};
	const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data, name: 'embedded-store' });
	const actualPort = await new Promise<number>((resolve, reject) => {
		const onMessage = (m: FromWorker) => {
			if (m.type === 'listening') return resolve(m.port);
			if (m.type !== 'failed') return;
			void worker.terminate();
			reject(
				new Error(
					m.code === 'EADDRINUSE'
						? `The embedded store's port ${port} is in use: set STORE_PORT to a free port (or 0 for any)`
						: `The embedded store could not listen: ${m.message}`
				)
			);
		};
		worker.on('message', onMessage);
		worker.once('error', reject);
		worker.once('exit', (code) => reject(new Error(`The embedded store stopped while starting (exit code ${code})`)));
	});
	let closing = false;
	// The app cannot work without its store: an unexpected end of the store's thread ends the process, like a
	// crash of the store did when it shared the app's thread, so a supervisor restarts both whole.
	worker.on('error', (e) => {
		console.error('[store] the embedded store failed:', e);
		process.exit(1);
	});
	worker.on('exit', (code) => {
		if (closing) return;
		console.error(`[store] the embedded store stopped (exit code ${code})`);
		process.exit(1);
	});
	await writeFile(storeInfoFile(dataDir), JSON.stringify({ port: actualPort, pid: process.pid }) + '\n');
	return {
		url: `http://${STORE_USER}:${encodeURIComponent(password)}@${STORE_HOST}:${actualPort}`,
		port: actualPort,
		close: async () => {
			if (closing) return;
			closing = true;
			await new Promise<void>((resolve) => {
				worker.on('message', (m: FromWorker) => m.type === 'closed' && resolve());
				worker.once('exit', () => resolve());
				worker.postMessage('close');
			});
			// Ending the thread closes its LevelDB databases (leveldown's clean-up hook), releasing their locks.
			await worker.terminate();
			await rm(storeInfoFile(dataDir), { force: true });
		}
	};
}
