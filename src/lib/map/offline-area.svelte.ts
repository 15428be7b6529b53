/** The offline map's state for screens: what is stored, what the server has, the download's progress. */
import { downloadArea, fetchManifest, storedArea, type AreaProgress } from './offline-area';
import type { AreaManifest } from './area';

export type AreaPhase = 'unknown' | 'missing' | 'downloading' | 'ready' | 'outdated' | 'error';

export class OfflineArea {
	phase = $state<AreaPhase>('unknown');
	stored = $state.raw<AreaManifest | null>(null);
	progress = $state.raw<AreaProgress | null>(null);
	error = $state<string | null>(null);
	#controller: AbortController | null = null;

	/** Reads what is stored; online, downloads the area (or its new version) when it is missing or old. */
	async ensure(download = true): Promise<void> {
		this.stored = await storedArea();
		this.phase = this.stored ? 'ready' : 'missing';
		let current: AreaManifest;
		try {
			current = await fetchManifest();
		} catch {
			return; // offline: what is stored is what there is
		}
		if (this.stored?.version === current.version) return;
		if (this.stored) this.phase = 'outdated';
		if (download) await this.download(current);
	}

	async download(manifest?: AreaManifest): Promise<void> {
		if (this.phase === 'downloading') return;
		this.#controller = new AbortController();
		this.error = null;
		const previous = this.phase;
		this.phase = 'downloading';
		try {
			const m = manifest ?? (await fetchManifest());
			await downloadArea(m, (p) => (this.progress = p), this.#controller.signal);
			this.stored = m;
			this.phase = 'ready';
		} catch (e) {
			if (this.#controller.signal.aborted) {
				this.phase = previous;
				return;
			}
			this.error = e instanceof TypeError ? 'No connection: the map is downloaded when the tablet is online.' : e instanceof Error ? e.message : String(e);
			this.phase = this.stored ? 'ready' : 'error';
		}
	}

	stop(): void {
		this.#controller?.abort();
	}
}
