declare module 'express-pouchdb' {
	import type { Application } from 'express';
	interface Options {
		mode?: 'fullCouchDB' | 'minimumForPouchDB' | 'custom';
		overrideMode?: { include?: string[]; exclude?: string[] };
		configPath?: string;
		logPath?: string;
		inMemoryConfig?: boolean;
	}
	export default function expressPouchDB(pouch: PouchDB.Static, opts?: Options): Application;
}
