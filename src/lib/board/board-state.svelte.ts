/**
 * The dispatch board's state in the browser (issue 06): the orders and crews as the server last said, kept
 * live by the board's event stream; filters, colour mode and the selection. Components read these runes
 * and call the methods; the network is behind $lib/client/board.
 */
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { DEFAULT_SERVICE_MINUTES, isOnline, type BoardCrew, type BoardOrder } from '../domain';
import { connectBoardEvents, fetchBoard, type BoardSnapshot } from '../client/board';
import { estimateWorkload } from '../routing/assign';
import { NO_BOARD_FILTER, colourFor, idSet, matchesFilter, openByCrew, type BoardFilter, type ColourMode } from './filters';

export const CLOCK_TICK_MS = 30 * 1000; // ages, SLA and "online" move with the clock

export type LiveState = 'connecting' | 'live' | 'down';

export interface CrewRow extends BoardCrew {
	open: number;
	/** Service + drive minutes of its open orders, from its last position (or depot). */
	minutes: number;
	online: boolean;
}

/** "12-abc" -> 12; a missing revision counts as 0. */
const generation = (rev: string | null | undefined) => (rev ? Number.parseInt(rev, 10) || 0 : 0);

export class BoardState {
	readonly orders = new SvelteMap<string, BoardOrder>();
	crews = $state.raw<BoardCrew[]>([]);
	departments = $state.raw<BoardSnapshot['departments']>([]);
	serviceTypes = $state.raw<BoardSnapshot['serviceTypes']>([]);
	people = $state.raw<Record<string, string>>({});
	openConflicts = $state(0);
	filter = $state<BoardFilter>({ ...NO_BOARD_FILTER });
	colourMode = $state<ColourMode>('status');
	readonly selected = new SvelteSet<string>();
	live = $state<LiveState>('connecting');
	now = $state(Date.now());
	/** Orders changed by the live stream a moment ago (highlighted in the list). */
	readonly recent = new SvelteSet<string>();

	constructor(snapshot: BoardSnapshot) {
		this.load(snapshot);
	}

	load(s: BoardSnapshot): void {
		const seen = idSet(s.orders);
		for (const o of s.orders) this.#put(o);
		// Gone from the board (closed more than a day ago, deleted): drop, and from the selection too.
		for (const id of [...this.orders.keys()]) {
			if (!seen.has(id)) {
				this.orders.delete(id);
				this.selected.delete(id);
			}
		}
		this.crews = s.crews;
		this.departments = s.departments;
		this.serviceTypes = s.serviceTypes;
		this.people = s.people;
		this.openConflicts = s.openConflicts;
		this.now = Date.now();
	}

	/** Keeps the newer of two copies (a snapshot may be older than an event that came meanwhile). */
	#put(o: BoardOrder): boolean {
		const current = this.orders.get(o.service_request_id);
		if (current && generation(current._rev) > generation(o._rev)) return false;
		this.orders.set(o.service_request_id, o);
		return true;
	}

	readonly filtered = $derived.by(() => {
		const list: BoardOrder[] = [];
		for (const o of this.orders.values()) if (matchesFilter(o, this.filter, this.now)) list.push(o);
		// Oldest first: the queue's longest waiting work on top.
		return list.sort((a, b) => Date.parse(a.requested_datetime) - Date.parse(b.requested_datetime) || a.service_request_id.localeCompare(b.service_request_id));
	});

	readonly closedToday = $derived([...this.orders.values()].filter((o) => o.status === 'closed').length);

	serviceMinutes(code: string): number {
		return this.serviceTypes.find((t) => t.code === code)?.service_minutes ?? DEFAULT_SERVICE_MINUTES;
	}

	readonly crewRows = $derived.by((): CrewRow[] => {
		const open = openByCrew(this.orders.values());
		return this.crews.map((c) => {
			const mine = open.get(c.id) ?? [];
			const start = c.last_position ?? c.depot;
			const load = estimateWorkload(
				start,
				mine.map((o) => ({ id: o.service_request_id, lat: o.lat, long: o.long, service_minutes: this.serviceMinutes(o.service_code) }))
			);
			return { ...c, open: mine.length, minutes: load.minutes, online: isOnline(c, this.now) };
		});
	});

	crewName(id: string | null): string {
		if (id === null) return 'Unassigned';
		return this.crews.find((c) => c.id === id)?.name ?? id;
	}

	colour(o: BoardOrder): string {
		return colourFor(o, this.colourMode, this.now);
	}

	// ---------- selection ----------

	toggle(id: string): void {
		if (this.selected.has(id)) this.selected.delete(id);
		else this.selected.add(id);
	}

	selectMany(ids: readonly string[]): void {
		for (const id of ids) this.selected.add(id);
	}

	clearSelection(): void {
		this.selected.clear();
	}

	/** The selected orders that the filters show (what an action will act on). */
	readonly selectedVisible = $derived(this.filtered.filter((o) => this.selected.has(o.service_request_id)));

	// ---------- live ----------

	/** Applies one changed order from the stream. */
	applyOrder(o: BoardOrder): void {
		if (!this.#put(o)) return;
		this.recent.add(o.service_request_id);
		setTimeout(() => this.recent.delete(o.service_request_id), RECENT_HIGHLIGHT_MS);
	}

	async reload(): Promise<void> {
		this.load(await fetchBoard());
	}

	/**
	 * Connects the live stream and the clock; returns the function that stops both. The browser going offline
	 * closes the stream at once (a dead socket can look open for minutes); back online opens a new one, whose
	 * `ready` reloads what was missed.
	 */
	connect(): () => void {
		let close = () => {};
		const open = () => {
			close();
			this.live = 'connecting';
			close = connectBoardEvents({
				// The stream's starting point is fixed: load everything once more and miss nothing in between.
				ready: () => {
					this.live = 'live';
					this.reload().catch((e: unknown) => console.warn('[board] reload failed:', e));
				},
				order: (o) => this.applyOrder(o),
				crews: (crews) => (this.crews = crews),
				conflicts: (open) => (this.openConflicts = open),
				down: () => (this.live = 'down')
			});
		};
		const offline = () => {
			close();
			close = () => {};
			this.live = 'down';
		};
		open();
		window.addEventListener('offline', offline);
		window.addEventListener('online', open);
		const clock = setInterval(() => (this.now = Date.now()), CLOCK_TICK_MS);
		return () => {
			close();
			window.removeEventListener('offline', offline);
			window.removeEventListener('online', open);
			clearInterval(clock);
		};
	}
}

export const RECENT_HIGHLIGHT_MS = 4000; // a changed row stays highlighted for 4 s
