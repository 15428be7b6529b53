/// <reference lib="webworker" />
/**
 * The photo worker: decoding and re-encoding a 12-megapixel photo takes long enough to freeze the screen on a
 * tablet, so it happens here. Errors are returned as values: comlink would turn a thrown error into a plain
 * Error and the screen could not tell "not a photo" from "too large".
 */
import { expose } from 'comlink';
import { photoErrorKind, type PhotoErrorKind } from './errors';
import { preparePhoto, type PreparedPhoto } from './prepare';

export type PrepareResult = { ok: true; photo: PreparedPhoto } | { ok: false; kind: PhotoErrorKind | 'failed'; message: string };

const api = {
	async prepare(input: Blob): Promise<PrepareResult> {
		try {
			return { ok: true, photo: await preparePhoto(input) };
		} catch (e) {
			return { ok: false, kind: photoErrorKind(e) ?? 'failed', message: e instanceof Error ? e.message : String(e) };
		}
	}
};
export type PhotoWorkerApi = typeof api;

expose(api);
