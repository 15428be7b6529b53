/**
 * The server's context: configuration, the store client and the session key, created once at start
 * (hooks.server.ts `init`) and read-only afterwards. Nothing else is module-level state.
 */
import type { BoardFeed } from './board-feed';
import type { MapArea } from './map-area';
import type { SessionCache } from './auth/session-cache';
import type { Config } from './config';
import type { Geocoder } from './geocode';
import type { RequestIndex } from './open311/request-index';
import type { OrdersFeed } from './orders-feed';
import type { ReportService } from './analytics/summary';
import type { CouchClient } from './store/couch-client';

export interface AppContext {
	config: Config;
	store: CouchClient;
	storeKind: 'embedded' | 'couchdb';
	sessionSecret: string;
	/** Who a cookie or device token belongs to, cached for a few seconds (a syncing tablet asks often). */
	sessions: SessionCache;
	/** Live changes for the dispatch boards connected to this process (issue 06). */
	boardFeed: BoardFeed;
	/** The offline map area served at /map. */
	mapArea: MapArea;
	/** Street names of the map area, to place Open311 reports sent with an address only (null: none shipped). */
	geocoder: Geocoder | null;
	/** GET requests from memory once loaded (open311/request-index.ts). */
	requests: RequestIndex;
	/** The one follower of the orders that feeds the in-memory read models (requests, reports). */
	orders: OrdersFeed;
	/** The managers' figures (analytics/summary.ts). */
	reports: ReportService;
	/** Resolves when schema and seed are in place (retried in the background while the store is down). */
	ready: Promise<void>;
	isReady(): boolean;
	close(): Promise<void>;
}

let current: AppContext | undefined;

export function setContext(ctx: AppContext): void {
	if (current) throw new Error('the server context is created once');
	current = ctx;
}

export function getContext(): AppContext {
	if (!current) throw new Error('the server context is not initialised (hooks.server.ts init has not run)');
	return current;
}
