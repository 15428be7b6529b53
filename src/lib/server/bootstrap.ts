/**
 * Start-up: configuration -> store (embedded or external) -> schema -> demo seed. Runs once per process
 * from hooks.server.ts `init`. A store that is down does not crash the app: /healthz says 503 and the
 * set-up is retried in the background until the store answers.
 */
import { SessionCache } from './auth/session-cache';
import { BoardFeed } from './board-feed';
import { BoardIndex } from './board-index';
import { ConfigError, parseConfig } from './config';
import { loadGeocoder } from './geocode';
import { loadMapArea, type MapArea } from './map-area';
import { createMailer } from './notify/mailer';
import { runNotifier } from './notify/notifier';
import { runDuplicateCloser } from './open311/duplicates';
import type { AppContext } from './context';
import { StoreUnavailableError } from './errors';
import { loadOrCreateSecret } from './secrets';
import { seedIfEmpty } from './seed';
import { CouchClient } from './store/couch-client';
import { startEmbeddedStore, type EmbeddedStore } from './store/embedded';
import { applySchema } from './store/schema';
import { RequestIndex } from './open311/request-index';
import { OrdersFeed } from './orders-feed';
import { ReportIndex } from './analytics/report-index';
import { ReportService } from './analytics/summary';
import { toOpen311Request } from '../domain';
import { policyFromDays, runProjector } from './sync/projector';
import { runRunner } from './sync/runner';

const RETRY_MIN_MS = 1000; // 1 second
const RETRY_MAX_MS = 30 * 1000; // 30 seconds

export async function bootstrap(env: Record<string, string | undefined>): Promise<AppContext> {
	const config = parseConfig(env);
	let mapArea: MapArea;
	try {
		mapArea = await loadMapArea(config.mapAreaDir);
	} catch (e) {
		throw new ConfigError(`Invalid configuration — ${e instanceof Error ? e.message : String(e)}`);
	}
	console.log(`[map] area "${mapArea.config.id}": ${mapArea.manifest.files.length} files, ${Math.round(mapArea.manifest.total_bytes / 1024)} KB, version ${mapArea.manifest.version}`);
	const geocoder = await loadGeocoder(config.mapAreaDir);
	let embedded: EmbeddedStore | null = null;
	let store: CouchClient;
	if (config.COUCHDB_URL) {
		store = new CouchClient(config.COUCHDB_URL);
	} else {
		embedded = await startEmbeddedStore(config.dataDir, config.STORE_PORT);
		store = new CouchClient(embedded.url);
	}
	const storeKind = embedded ? 'embedded' : 'couchdb';
	const sessionSecret = config.SESSION_SECRET ?? (await loadOrCreateSecret(config.dataDir, 'session-secret'));
	if (!config.SESSION_SECRET) console.warn('[config] SESSION_SECRET is not set: using a generated key kept in DATA_DIR/secrets');
	console.log(`[store] ${storeKind} store at ${store.displayUrl}`);
	const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM);
	console.log(mailer ? '[mail] sending through SMTP_URL' : '[mail] SMTP_URL is not set: resident e-mails are kept in the outbox (/admin/outbox)');

	let ready = false;
	let stopped = false;
	const requests = new RequestIndex((f) => JSON.stringify(toOpen311Request(f, config.publicUrl, config.CITY_TIME_ZONE)));
	const reportIndex = new ReportIndex(config.CITY_TIME_ZONE);
	const boardIndex = new BoardIndex();
	const orders = new OrdersFeed([requests, reportIndex, boardIndex]);
	const workers = new AbortController();
	/** The projector and the reducer runner, started once the store is set up (issue 02). */
	const startWorkers = () => {
		const policy = policyFromDays(config.CLOSED_WINDOW_DAYS);
		runProjector(store, policy, workers.signal).catch((e: unknown) => console.error('[projector] stopped:', e));
		runRunner(store, workers.signal).catch((e: unknown) => console.error('[runner] stopped:', e));
		orders.attach(store, workers.signal);
		runDuplicateCloser(store, workers.signal).catch((e: unknown) => console.error('[duplicates] stopped:', e));
		runNotifier({ store, mailer, publicUrl: config.publicUrl, secret: sessionSecret }, workers.signal).catch((e: unknown) =>
			console.error('[mail] stopped:', e)
		);
	};
	const prepare = async () => {
		const started = Date.now();
		await applySchema(store);
		if (config.SEED === 'demo') await seedIfEmpty(store, config);
		ready = true;
		console.log(`[store] ready in ${Date.now() - started} ms`);
		startWorkers();
	};
	const readyPromise = (async () => {
		let delay = RETRY_MIN_MS;
		for (;;) {
			try {
				await prepare();
				return;
			} catch (e) {
				if (!(e instanceof StoreUnavailableError) || stopped) throw e;
				console.error(`[store] ${e.message} — retrying in ${delay / 1000} s`);
				await new Promise((r) => setTimeout(r, delay));
				delay = Math.min(delay * 2, RETRY_MAX_MS);
			}
		}
	})();

	// Wait for the first attempt; if the store is down, go on and let the retries run.
	const firstAttempt = await Promise.race([
		readyPromise.then(() => 'ready' as const),
		store.ping().then(
			() => 'reachable' as const,
			() => 'down' as const
		)
	]);
	if (firstAttempt === 'reachable') await readyPromise;
	else readyPromise.catch((e) => console.error('[store] set-up failed:', e));

	return {
		config,
		store,
		storeKind,
		sessionSecret,
		sessions: new SessionCache(),
		boardFeed: new BoardFeed(store, boardIndex, orders),
		mapArea,
		geocoder,
		requests,
		orders,
		reports: new ReportService({ index: reportIndex, feed: orders, store, timeZone: config.CITY_TIME_ZONE }),
		ready: readyPromise,
		isReady: () => ready,
		close: async () => {
			stopped = true;
			workers.abort();
			mailer?.close();
			await embedded?.close();
		}
	};
}
