/**
 * The screens' entry to route planning: one worker, created on first use; each request cancels the one before
 * it (its promise rejects with AbortError), so only the newest stop set is ever solved to the end. Where
 * workers are missing, the planner runs on the main thread without the street graph.
 */
import { wrap, type Remote } from 'comlink';
import { planRoute, type PlanRequest, type RoutePlan } from './plan';
import { InvalidRouteError } from './route';
import type { RouteWorkerApi } from './route.worker';

let remote: Remote<RouteWorkerApi> | null = null;
let nextId = 1;
let current: { id: number; reject: (e: unknown) => void } | null = null;

function worker(): Remote<RouteWorkerApi> | null {
	if (typeof Worker === 'undefined') return null;
	remote ??= wrap<RouteWorkerApi>(new Worker(new URL('./route.worker.ts', import.meta.url), { type: 'module' }));
	return remote;
}

const abortError = () => new DOMException('A newer route request replaced this one', 'AbortError');

/** Plans in the worker; rejects with InvalidRouteError (bad input, with reasons) or AbortError (replaced). */
export function planRouteInWorker(request: PlanRequest, options: { mapVersion?: string; budgetMs?: number } = {}): Promise<RoutePlan> {
	const w = worker();
	const id = nextId++;
	if (current) {
		current.reject(abortError());
		void w?.cancel(current.id);
	}
	return new Promise<RoutePlan>((resolve, reject) => {
		current = { id, reject };
		const work: Promise<RoutePlan> = w
			? w.plan(id, request, options.mapVersion ?? '', options.budgetMs).then((r) => {
					if (r.ok) return r.plan;
					if (r.kind === 'cancelled') throw abortError();
					throw r.kind === 'invalid' ? new InvalidRouteError(r.issues) : new Error(`The route could not be planned: ${r.message}`);
				})
			: planRoute(request, null, { timeBudgetMs: options.budgetMs });
		work.then(resolve, reject).finally(() => {
			if (current?.id === id) current = null;
		});
	});
}

export const isAbortError = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';
