import { afterEach, describe, expect, it } from 'vitest';
import { UpdateWatcher } from '../../../src/lib/pwa/update.svelte';

/** Just enough of the Service Worker API to drive the watcher: workers and a registration as event targets. */
class FakeWorker extends EventTarget {
	messages: unknown[] = [];
	constructor(public state: string) {
		super();
	}
	postMessage(m: unknown) {
		this.messages.push(m);
	}
	become(state: string) {
		this.state = state;
		this.dispatchEvent(new Event('statechange'));
	}
}
class FakeRegistration extends EventTarget {
	installing: FakeWorker | null = null;
	waiting: FakeWorker | null = null;
	updates = 0;
	async update() {
		this.updates++;
	}
}
class FakeContainer extends EventTarget {
	registered: string[] = [];
	constructor(
		public registration: FakeRegistration,
		public controller: FakeWorker | null
	) {
		super();
	}
	async register(url: string) {
		this.registered.push(url);
		return this.registration;
	}
}

let watcher: UpdateWatcher;
afterEach(() => watcher?.stop());

const start = async (container: FakeContainer) => {
	watcher = new UpdateWatcher();
	await watcher.start(container as unknown as ServiceWorkerContainer, true);
	return watcher;
};

describe('new version available', () => {
	it('registers the service worker; a new version that finishes installing is offered', async () => {
		const reg = new FakeRegistration();
		const container = new FakeContainer(reg, new FakeWorker('activated'));
		const w = await start(container);
		expect(container.registered).toEqual(['/service-worker.js']);
		expect(w.available).toBe(false);
		const next = new FakeWorker('installing');
		reg.installing = next;
		reg.dispatchEvent(new Event('updatefound'));
		next.become('installed');
		expect(w.available).toBe(true);
	});

	it('the very first install is no update (nothing controls the page yet)', async () => {
		const reg = new FakeRegistration();
		const w = await start(new FakeContainer(reg, null));
		const first = new FakeWorker('installing');
		reg.installing = first;
		reg.dispatchEvent(new Event('updatefound'));
		first.become('installed');
		expect(w.available).toBe(false);
	});

	it('a version already waiting from an earlier visit is offered at once', async () => {
		const reg = new FakeRegistration();
		reg.waiting = new FakeWorker('installed');
		expect((await start(new FakeContainer(reg, new FakeWorker('activated')))).available).toBe(true);
	});

	it('reload asks the waiting worker to take over and reloads only once it controls the page', async () => {
		const reg = new FakeRegistration();
		const waiting = new FakeWorker('installed');
		reg.waiting = waiting;
		const container = new FakeContainer(reg, new FakeWorker('activated'));
		const w = await start(container);
		let reloads = 0;
		w.apply(container as unknown as ServiceWorkerContainer, () => reloads++);
		expect(waiting.messages).toEqual([{ type: 'SKIP_WAITING' }]);
		expect(reloads).toBe(0);
		container.dispatchEvent(new Event('controllerchange'));
		expect(reloads).toBe(1);
	});

	it('does nothing when service workers are off (vite dev)', async () => {
		const container = new FakeContainer(new FakeRegistration(), null);
		watcher = new UpdateWatcher();
		await watcher.start(container as unknown as ServiceWorkerContainer, false);
		expect(container.registered).toEqual([]);
	});
});
