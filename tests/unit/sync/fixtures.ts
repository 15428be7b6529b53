/** Builders and helpers for the client sync tests (Node: pouchdb on LevelDB stands in for IndexedDB). */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PouchDB from 'pouchdb';
import { toCrewWorkOrder, type WorkOrder } from '../../../src/lib/domain';
import type { SyncHandle } from '../../../src/lib/sync/engine';
import { crewOrderSchema, type CrewOrder, type LocalSnapshot, type PouchStatic } from '../../../src/lib/sync/local-db';
import type { NetworkMonitor } from '../../../src/lib/sync/network';
import type { SyncStatus } from '../../../src/lib/sync/state';
import { AUTHOR_A, CREW_A, workOrder } from '../domain/fixtures';

export const SOURCE_REV = '3-abc';

/** A crew database copy of an order (no reporter, with source_rev), as the projector writes it. */
export function crewOrder(overrides: Partial<WorkOrder> = {}, sourceRev: string | null = SOURCE_REV): CrewOrder {
	return crewOrderSchema.parse({ ...toCrewWorkOrder(workOrder(overrides)), source_rev: sourceRev });
}

export const CREW_USER = { id: AUTHOR_A, name: 'Alice', role: 'crew', crew: CREW_A } as const;
export const SUPERVISOR_USER = { id: 'sam.supervisor', name: 'Sam', role: 'supervisor', crew: null } as const;

/** The smallest byte sequences each photo type is recognised by. */
export const JPEG_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
export const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
export const WEBP_BYTES = new Uint8Array([...'RIFF'].map((c) => c.charCodeAt(0)).concat([0x24, 0, 0, 0], [...'WEBP'].map((c) => c.charCodeAt(0))));

/** A network whose online/offline the test switches. */
export function testNetwork(initiallyOnline: boolean): NetworkMonitor & { set(online: boolean): void } {
	let online = initiallyOnline;
	const listeners = new Set<(online: boolean) => void>();
	return {
		get online() {
			return online;
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		set(value) {
			online = value;
			for (const l of listeners) l(value);
		}
	};
}

/** PouchDB on LevelDB in a fresh temporary directory. */
export async function tempPouch(): Promise<{ PouchDB: PouchStatic; dir: string; cleanup(): Promise<void> }> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'fw-sync-'));
	// @types/pouchdb types defaults() as a bare constructor; at run time it is a full PouchDB class.
	const Prefixed = PouchDB.defaults({ prefix: dir + path.sep }) as unknown as PouchStatic;
	return { PouchDB: Prefixed, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const WAIT_TIMEOUT_MS = 15_000;

function waitOn<T>(subscribe: (l: (v: T) => void) => () => void, ok: (v: T) => boolean, what: string, latest: () => unknown): Promise<T> {
	return new Promise((resolve, reject) => {
		let done = false;
		let unsubscribe: (() => void) | null = null;
		const timer = setTimeout(() => {
			done = true;
			unsubscribe?.();
			reject(new Error(`timed out waiting for ${what}; last: ${JSON.stringify(latest(), null, 1)}`));
		}, WAIT_TIMEOUT_MS);
		unsubscribe = subscribe((v) => {
			if (done || !ok(v)) return;
			done = true;
			clearTimeout(timer);
			// subscribe() may call back before it returns: unsubscribe on the next tick.
			queueMicrotask(() => unsubscribe?.());
			resolve(v);
		});
	});
}

export const waitForStatus = (h: SyncHandle, ok: (s: SyncStatus) => boolean, what: string) =>
	waitOn<SyncStatus>((l) => h.subscribe(l), ok, what, () => h.status);

export const waitForSnapshot = (h: SyncHandle, ok: (s: LocalSnapshot) => boolean, what: string) =>
	waitOn<LocalSnapshot>((l) => h.subscribeLocal(l), ok, what, () => h.snapshot && { actions: h.snapshot.actions.length, onServer: [...h.snapshot.onServer] });
