/**
 * A simulated crew tablet for the chaos run: the product's own tablet sync module (src/lib/sync: startSync,
 * recordAction, the order view) on PouchDB in Node (LevelDB in a temporary directory), signed in as one crew
 * member, reaching the app only through its own fault-injecting proxy. It works like a crew: it picks an
 * order from what its local database shows (the replicated order with its pending actions folded on top, so
 * it carries on offline), records the next step with the service type's rules from the replicated catalog,
 * and remembers every action id it created — the run checks each of them on the server at the end.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import PouchDB from 'pouchdb';
import type { CrewCatalog, FieldAction, SessionUser } from '../../src/lib/domain';
import { startSync, type SyncHandle } from '../../src/lib/sync/engine';
import { readLocal, remoteUrlFor, type CrewOrder } from '../../src/lib/sync/local-db';
import type { NetworkMonitor } from '../../src/lib/sync/network';
import { buildOrderViews, catalogFromDoc, contextFromCatalog, type OrderView } from '../../src/lib/sync/order-view';
import { recordAction, type PhotoInput, type RecordActionInput } from '../../src/lib/sync/record-action';
import { tinyJpeg } from '../../tests/helpers/sync-fixtures';
import type { FaultProxy } from './proxy';
import type { Rng } from './rng';

/** Photos are 1–48 KB: big enough that a truncation or reset often lands inside one. */
const PHOTO_MIN_BYTES = 1024;
const PHOTO_MAX_BYTES = 48 * 1024;
const LOGIN_RETRY_MS = 250; // between sign-in attempts through the faulty network
const LOGIN_ATTEMPTS = 200;
/** Share of closes of a type that needs an after photo sent without one (a crew's slip: a conflict). */
const FORGOT_AFTER_PHOTO = 0.1;
/** Share of actions on a closed order (late notes and photos: recorded, no effect). */
const LATE_WORK = 0.05;
/** Share of actions that reroute the order to another crew. */
const REROUTE = 0.02;
/** Share of actions that are a position report (no order: moves the crew's last position). */
const POSITION = 0.04;
const DOWNTOWN = { lat: 37.7793, long: -122.4193 }; // Civic Center
const POSITION_SPREAD_DEG = 0.01;

export type TabletActionType = RecordActionInput['action'];

export interface CreatedAction {
	id: string;
	action: TabletActionType;
	orderId: string | null;
	crew: string;
	author: string;
	photos: number;
}

/** Online/offline as the tablet's OS would announce it (the browser's online/offline events). */
export class SwitchNetwork implements NetworkMonitor {
	private value = true;
	private readonly listeners = new Set<(online: boolean) => void>();

	get online(): boolean {
		return this.value;
	}

	set(online: boolean): void {
		if (online === this.value) return;
		this.value = online;
		for (const l of this.listeners) l(online);
	}

	subscribe(listener: (online: boolean) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}
}

export interface TabletOptions {
	index: number;
	username: string;
	password: string;
	proxy: FaultProxy;
	/** Where the tablet's LevelDB lives. */
	dir: string;
	rng: Rng;
	/** Log every request of the tablet's replication here (--trace): what it asked, what it got. */
	traceFile?: string;
}

/**
 * A log of a tablet's HTTP exchanges for finding out what went wrong in a run: method, path, status or
 * error, and for the replication's answers what they carried (change seqs and ids, bulk_get results,
 * checkpoint sequence numbers).
 */
class HttpTrace {
	private readonly started = Date.now();

	constructor(private readonly file: string) {}

	private line(text: string): void {
		appendFileSync(this.file, `${((Date.now() - this.started) / 1000).toFixed(3)} ${text}\n`);
	}

	async around(url: string, init: RequestInit, send: () => Promise<Response>): Promise<Response> {
		const { pathname, search } = new URL(url);
		const what = `${init.method ?? 'GET'} ${decodeURIComponent(pathname)}${search.length > 200 ? search.slice(0, 200) + '…' : search}`;
		const body = typeof init.body === 'string' ? init.body : '';
		const sent = pathname.endsWith('/_bulk_get') || pathname.includes('/_local/') ? ` body=${body.slice(0, 300)}` : '';
		const replication = ['/_changes', '/_bulk_get', '/_revs_diff'].some((end) => pathname.endsWith(end)) || pathname.includes('/_local/');
		try {
			const res = await send();
			if (!replication) {
				this.line(`${what}${sent} -> ${res.status}`);
				return res;
			}
			// Read the answer here (a cut one fails here, as it would in PouchDB) and hand PouchDB a copy.
			const bytes = new Uint8Array(await res.arrayBuffer());
			this.line(`${what}${sent} -> ${res.status} ${this.summarize(pathname, new TextDecoder().decode(bytes))}`);
			return new Response(bytes, { status: res.status, statusText: res.statusText, headers: Object.fromEntries(res.headers.entries()) });
		} catch (e) {
			this.line(`${what}${sent} -> network error ${(e as Error).message}`);
			throw e;
		}
	}

	private summarize(pathname: string, text: string): string {
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			return `(not JSON, ${text.length} bytes: ${JSON.stringify(text.slice(-60))})`;
		}
		if (pathname.endsWith('/_changes')) {
			const c = json as { results?: { seq: unknown; id: string }[]; last_seq?: unknown };
			return `results=${(c.results ?? []).map((r) => `${String(r.seq)}:${r.id.slice(0, 15)}`).join(',')} last_seq=${String(c.last_seq)}`;
		}
		if (pathname.endsWith('/_bulk_get')) {
			const b = json as { results?: { id: string; docs: { ok?: unknown; error?: unknown; missing?: unknown }[] }[] };
			return (b.results ?? []).map((r) => `${r.id.slice(0, 15)}=${r.docs.map((d) => (d.ok ? 'ok' : d.error ? 'error' : 'missing')).join('/')}`).join(',');
		}
		return text.slice(0, 300);
	}
}

interface LoginAnswer {
	user: SessionUser;
	sync_path: string;
}

/** Signs in through the proxy, retrying through drops and resets (a lost answer: sign in again). */
async function signIn(baseUrl: string, username: string, password: string): Promise<{ login: LoginAnswer; cookie: string }> {
	let last: unknown;
	for (let attempt = 0; attempt < LOGIN_ATTEMPTS; attempt++) {
		try {
			const res = await fetch(`${baseUrl}/api/auth/login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ username, password })
			});
			if (res.status === 200) {
				const cookie = res.headers.get('set-cookie')?.split(';')[0];
				const login = (await res.json()) as LoginAnswer;
				if (cookie) return { login, cookie };
			}
			last = new Error(`login answered ${res.status}`);
		} catch (e) {
			last = e; // the network cut it: try again
		}
		await new Promise((r) => setTimeout(r, LOGIN_RETRY_MS));
	}
	throw new Error(`${username} could not sign in through the proxy: ${String(last)}`);
}

export class SimTablet {
	readonly created: CreatedAction[] = [];
	/** Offline now, and whether the OS said so (announced) or the network just died (silent). */
	offline: 'no' | 'announced' | 'silent' = 'no';
	offlinePeriods = 0;
	/** Times the action picker found nothing to do (no orders replicated yet). */
	idleTurns = 0;

	private constructor(
		readonly opts: TabletOptions,
		readonly user: SessionUser,
		readonly sync: SyncHandle,
		readonly network: SwitchNetwork
	) {}

	get name(): string {
		return `tablet-${this.opts.index}(${this.user.id}@${this.user.crew})`;
	}

	get crew(): string {
		return this.user.crew!;
	}

	static async start(opts: TabletOptions): Promise<SimTablet> {
		const baseUrl = `http://127.0.0.1:${opts.proxy.port}`;
		const { login, cookie } = await signIn(baseUrl, opts.username, opts.password);
		if (login.user.role !== 'crew' || !login.user.crew) throw new Error(`${opts.username} is not a crew member`);
		const network = new SwitchNetwork();
		const trace = opts.traceFile ? new HttpTrace(opts.traceFile) : null;
		const fetchWithCookie = async (url: string | Request, init: RequestInit = {}) => {
			const headers = new Headers(init.headers);
			headers.set('cookie', cookie);
			if (!trace) return PouchDB.fetch(url, { ...init, headers });
			return trace.around(String(url), init, () => PouchDB.fetch(url, { ...init, headers }));
		};
		const sync = startSync({
			PouchDB,
			name: path.join(opts.dir, `tablet-${opts.index}-${login.user.id}`),
			remoteUrl: remoteUrlFor(baseUrl, login.sync_path),
			fetch: fetchWithCookie,
			network,
			random: () => opts.rng.next()
		});
		const tablet = new SimTablet(opts, login.user, sync, network);
		await sync.ready;
		return tablet;
	}

	/** No network: the proxy cuts and refuses connections; `announced` also tells the sync engine (OS event). */
	goOffline(announced: boolean): void {
		if (this.offline !== 'no') return;
		this.offline = announced ? 'announced' : 'silent';
		this.offlinePeriods++;
		this.opts.proxy.setOffline(true);
		if (announced) this.network.set(false);
	}

	goOnline(): void {
		this.opts.proxy.setOffline(false);
		this.network.set(true);
		this.offline = 'no';
	}

	/** Records one action on an order this tablet shows; null when there is nothing to act on yet. */
	async act(): Promise<CreatedAction | null> {
		const { rng } = this.opts;
		const local = await readLocal(this.sync.db, new Set());
		if (rng.chance(POSITION)) return this.record({ user: this.user, order: null, action: 'position', payload: this.position() });
		if (!local.catalog || local.orders.length === 0) {
			this.idleTurns++;
			return null;
		}
		const contextFor = contextFromCatalog(catalogFromDoc(local.catalog));
		const views = buildOrderViews(local.orders, local.actions, new Set(), contextFor);
		const open = views.filter((v) => v.order.status !== 'closed');
		const view = open.length > 0 && !rng.chance(LATE_WORK) ? rng.pick(open) : rng.pick(views);
		return this.record(this.nextStep(view, local.catalog));
	}

	private position() {
		const { rng } = this.opts;
		return {
			lat: DOWNTOWN.lat + rng.between(-POSITION_SPREAD_DEG, POSITION_SPREAD_DEG),
			long: DOWNTOWN.long + rng.between(-POSITION_SPREAD_DEG, POSITION_SPREAD_DEG),
			accuracy_m: rng.int(3, 30)
		};
	}

	private photo(): PhotoInput {
		const { rng } = this.opts;
		const head = tinyJpeg();
		// The JPEG's magic number first (what the gateway sniffs), then random bytes: every photo is distinct.
		const bytes = new Uint8Array(rng.int(PHOTO_MIN_BYTES, PHOTO_MAX_BYTES));
		bytes.set(head);
		bytes.set(rng.bytes(bytes.length - head.length), head.length);
		return { content_type: 'image/jpeg', data: bytes };
	}

	/** What a crew would do next on this order, going by what the tablet shows. */
	private nextStep(view: OrderView, catalog: CrewCatalog): RecordActionInput {
		const { rng } = this.opts;
		const order: CrewOrder = view.replicated;
		const user = this.user;
		const note = (): RecordActionInput => ({
			user,
			order,
			action: 'note',
			payload: { text: `${user.id}: ${rng.pick(['bags left for pick-up', 'owner informed', 'area taped off', 'back tomorrow'])}`, visibility: rng.chance(0.3) ? 'public' : 'internal' }
		});
		const photo = (kind: 'before' | 'progress' | 'after'): RecordActionInput => ({
			user,
			order,
			action: 'photo',
			payload: { attachment: `${kind}.jpg`, kind },
			attachments: { [`${kind}.jpg`]: this.photo() }
		});
		if (view.order.status !== 'closed' && rng.chance(REROUTE)) {
			const others = catalog.crews.map((c) => c.id).filter((c) => c !== this.crew);
			if (others.length > 0) {
				return { user, order, action: 'reroute', payload: { to: { kind: 'crew', crew: rng.pick(others) }, reason: 'Needs the other crew\u2019s truck' } };
			}
		}
		switch (view.order.status) {
			case 'closed':
				return rng.chance(0.6) ? note() : photo('progress');
			case 'new':
			case 'assigned': {
				const step = rng.weighted({ en_route: 5, on_site: 2, note: 1.5, photo: 1.5 });
				if (step === 'note') return note();
				if (step === 'photo') return photo('before');
				return { user, order, action: step, payload: {} };
			}
			case 'en_route': {
				const step = rng.weighted({ on_site: 6, note: 2, photo: 2 });
				if (step === 'note') return note();
				if (step === 'photo') return photo('progress');
				return { user, order, action: 'on_site', payload: {} };
			}
			case 'on_site': {
				const step = rng.weighted({ close: 4.5, photo: 3, note: 2.5 });
				if (step === 'note') return note();
				if (step === 'photo') return photo(rng.chance(0.5) ? 'after' : 'progress');
				return this.close(view, catalog);
			}
		}
	}

	/** A close with one of the type's resolution codes; with an after photo when the type wants one. */
	private close(view: OrderView, catalog: CrewCatalog): RecordActionInput {
		const { rng } = this.opts;
		const type = catalog.service_types.find((t) => t.service_code === view.order.service_code);
		const code = type ? rng.pick(type.resolution_codes) : { code: 'completed', work_done: true };
		const hasAfter = view.order.photos.some((p) => p.kind === 'after');
		const wantsPhoto = (type?.requires_after_photo ?? false) && code.work_done !== false && !hasAfter;
		const base = { user: this.user, order: view.replicated, action: 'close' as const };
		if (wantsPhoto && !rng.chance(FORGOT_AFTER_PHOTO)) {
			return { ...base, payload: { resolution_code: code.code, public_note: 'Done.', after_photo: 'after.jpg' }, attachments: { 'after.jpg': this.photo() } };
		}
		return { ...base, payload: { resolution_code: code.code, public_note: 'Done.' } };
	}

	private async record(input: RecordActionInput): Promise<CreatedAction> {
		const saved: FieldAction = await recordAction(this.sync.db, input);
		const created: CreatedAction = {
			id: saved.id,
			action: input.action,
			orderId: saved.order_id,
			crew: this.crew,
			author: this.user.id,
			photos: Object.keys(saved._attachments ?? {}).length
		};
		this.created.push(created);
		return created;
	}

	/** Every document of the local database but design documents: id → revision and attachment digests. */
	async documents(): Promise<Map<string, string>> {
		return documentsOf(this.sync.db);
	}

	async stop(): Promise<void> {
		await this.sync.stop();
	}
}

/**
 * A database's documents (not design documents, not deleted ones) as id → "rev attachment:digest…", for
 * comparing a replica with its crew database: same documents, same revisions, same photo bytes.
 */
export async function documentsOf(db: { allDocs: PouchDB.Database['allDocs'] }): Promise<Map<string, string>> {
	const res = await db.allDocs({ include_docs: true });
	const out = new Map<string, string>();
	for (const row of res.rows) {
		if (row.id.startsWith('_design/')) continue;
		const atts = (row.doc as { _attachments?: Record<string, { digest?: string }> } | undefined)?._attachments ?? {};
		const digests = Object.entries(atts)
			.map(([name, a]) => `${name}:${a.digest ?? '?'}`)
			.sort();
		out.set(row.id, [row.value.rev, ...digests].join(' '));
	}
	return out;
}
