/**
 * The screens' entry to the photo pipeline: one worker, created on first use and reused; AbortSignal to drop a
 * result nobody waits for (a newer photo was picked); the main thread where workers or OffscreenCanvas are
 * missing.
 */
import { wrap, type Remote } from 'comlink';
import { rebuildPhotoError } from './errors';
import type { PhotoWorkerApi } from './photo.worker';
import { preparePhoto, type PreparedPhoto } from './prepare';

let remote: Remote<PhotoWorkerApi> | null = null;

function worker(): Remote<PhotoWorkerApi> | null {
	if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') return null;
	remote ??= wrap<PhotoWorkerApi>(new Worker(new URL('./photo.worker.ts', import.meta.url), { type: 'module' }));
	return remote;
}

function abortError(): DOMException {
	return new DOMException('The photo is no longer wanted', 'AbortError');
}

/** Prepares a picked file; rejects with NotAnImageError / PhotoTooLargeError (messages for people) or AbortError. */
export async function preparePhotoInWorker(file: Blob, options: { signal?: AbortSignal } = {}): Promise<PreparedPhoto> {
	const { signal } = options;
	if (signal?.aborted) throw abortError();
	const w = worker();
	const work: Promise<PreparedPhoto> = w
		? w.prepare(file).then((r) => {
				if (r.ok) return r.photo;
				throw r.kind === 'failed' ? new Error(`The photo could not be prepared: ${r.message}`) : rebuildPhotoError(r.kind, r.message);
			})
		: preparePhoto(file);
	if (!signal) return work;
	return new Promise((resolve, reject) => {
		const onAbort = () => reject(abortError());
		signal.addEventListener('abort', onAbort, { once: true });
		work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}
