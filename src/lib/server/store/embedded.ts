/**
 * The embedded CouchDB-compatible store (DESIGN.md point 1): PouchDB on LevelDB served by express-pouchdb
 * inside Express 4 (express-pouchdb's _changes breaks under Express 5). It listens on 127.0.0.1 only and
 * requires a generated password, so nothing outside this machine — and no other local user without the
 * data directory — can reach it. The app talks to it through CouchClient, exactly as to Apache CouchDB.
 */
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import PouchDB from 'pouchdb';
import { timingSafeEqual } from 'node:crypto';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
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

function safeEqual(a: string, b: string): boolean {
	const ab = Buffer.from(a);
	const bb = Buffer.from(b);
	return ab.length === bb.length && timingSafeEqual(new Uint8Array(ab), new Uint8Array(bb));
}

/** The file where a running embedded store leaves its port, so the import CLI can reach it. */
export const storeInfoFile = (dataDir: string) => path.join(dataDir, 'store.json');

export async function startEmbeddedStore(dataDir: string, port: number): Promise<EmbeddedStore> {
	const storeDir = path.join(dataDir, 'store');
	await mkdir(storeDir, { recursive: true });
	const password = await loadOrCreateSecret(dataDir, STORE_SECRET_NAME);
	const expected = 'Basic ' + Buffer.from(`${STORE_USER}:${password}`).toString('base64');

	// @types/pouchdb types defaults() as a bare constructor; at run time it is a full PouchDB class.
	const LocalPouch = PouchDB.defaults({ prefix: storeDir + path.sep }) as unknown as PouchDB.Static;
	const app = express();
	app.disable('x-powered-by');
	app.use((req, res, next) => {
		if (safeEqual(req.headers.authorization ?? '', expected)) return next();
		res.status(401).json({ error: 'unauthorized', reason: 'Name or password is incorrect.' });
	});
	app.use(
		expressPouchDB(LocalPouch, {
			mode: 'minimumForPouchDB',
			overrideMode: { include: ['routes/find'] },
			logPath: path.join(dataDir, 'store-log.txt')
		})
	);

	const server: Server = await new Promise((resolve, reject) => {
		const s = app.listen(port, STORE_HOST);
		s.once('listening', () => resolve(s));
		s.once('error', (e: NodeJS.ErrnoException) =>
			reject(
				e.code === 'EADDRINUSE'
					? new Error(`The embedded store's port ${port} is in use: set STORE_PORT to a free port (or 0 for any)`)
					: e
			)
		);
	});
	const actualPort = (server.address() as AddressInfo).port;
	await writeFile(storeInfoFile(dataDir), JSON.stringify({ port: actualPort, pid: process.pid }) + '\n');
	return {
		url: `http://${STORE_USER}:${encodeURIComponent(password)}@${STORE_HOST}:${actualPort}`,
		port: actualPort,
		close: async () => {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			await rm(storeInfoFile(dataDir), { force: true });
		}
	};
}
