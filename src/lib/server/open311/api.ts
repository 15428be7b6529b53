/**
 * The Open311 GeoReport v2 endpoints under /open311/v2 (issue 07), each answering JSON or XML from one value.
 * Routes are thin: they call `open311Route(handler)`, which checks the format and jurisdiction_id and turns
 * every refusal into the spec's error array with its HTTP status (404 unknown, 403 api_key, 400 the rest).
 */
import type { RequestEvent } from '@sveltejs/kit';
import {
	argumentsFromJson,
	isOpen311Format,
	parseRequestsQuery,
	parseServiceRequestInput,
	publicTimeline,
	toOpen311Request,
	toOpen311Service,
	toRequestUpdate,
	toServiceDefinition,
	workOrderDocId,
	workOrderSchema,
	type ArgumentMap,
	type Open311Format,
	type Open311Request,
	type Open311RequestUpdate,
	type ServiceType
} from '../../domain';
import { getContext, type AppContext } from '../context';
import { listServiceTypes } from '../directory';
import { AppError, PayloadTooLargeError, StoreUnavailableError, toPublicError } from '../errors';
import { MAX_JSON_BODY_BYTES, readJson } from '../http';
import { ORDERS_DB } from '../store/schema';
import { findActiveApiKey } from './api-keys';
import { Open311Failure } from './errors';
import { CORS_HEADERS, open311ErrorResponse, open311JsonText, open311Response } from './format';
import { createServiceRequest, loadServiceType } from './intake';
import { MAX_SCAN, MAX_SERVICE_CODES, searchRequests } from './search';

export const OPEN311_SPEC_URL = 'http://wiki.open311.org/GeoReport_v2';
/** When this endpoint's interface last changed (Service Discovery `changeset`). */
export const OPEN311_CHANGESET = '2026-11-23T00:00:00Z';
const PHOTO_FIELD = 'media';
const MAX_UPDATES = 1000;

const fail = (status: number, description: string) => new Open311Failure(status, [{ code: status, description }]);

export interface Open311Event {
	ctx: AppContext;
	format: Open311Format;
	event: RequestEvent;
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}

/** Wraps an Open311 handler: format from the path, jurisdiction check, spec-shaped errors. */
export function open311Route(handler: (e: Open311Event) => Promise<Response>) {
	return async (event: RequestEvent): Promise<Response> => {
		const requested = (event.params as Record<string, string | undefined>).format ?? '';
		if (!isOpen311Format(requested)) {
			// The route splits "a.b.xml" at its first dot (format "b.xml"): the format asked for is the last suffix.
			// Nothing this API names (service codes, request ids, tokens) has a dot, so such a name is not found.
			const suffix = requested.slice(requested.lastIndexOf('.') + 1);
			if (requested.includes('.') && isOpen311Format(suffix)) {
				const name = (event.url.pathname.split('/').pop() ?? '').slice(0, -(suffix.length + 1));
				return open311ErrorResponse(suffix, 404, [{ code: 404, description: `"${safeDecode(name).slice(0, 200)}" was not found` }]);
			}
			return open311ErrorResponse('json', 404, [{ code: 404, description: `format "${requested}" is not offered: use .json or .xml` }]);
		}
		try {
			const ctx = getContext();
			const jurisdiction = event.url.searchParams.get('jurisdiction_id');
			if (jurisdiction !== null && jurisdiction !== ctx.config.OPEN311_JURISDICTION_ID) {
				throw fail(404, `jurisdiction_id "${jurisdiction}" is not served here (this endpoint serves ${ctx.config.OPEN311_JURISDICTION_ID})`);
			}
			return await handler({ ctx, format: requested, event });
		} catch (e) {
			if (e instanceof Open311Failure) return open311ErrorResponse(requested, e.status, e.errors);
			const pub = toPublicError(e);
			// The spec: 404 for what does not exist, 403 for keys, 400 for any other request it cannot fulfil;
			// a body over the size limit says so (413). The code in the array is always the HTTP status.
			const kept = [403, 404, 413];
			const status = e instanceof AppError && !(e instanceof StoreUnavailableError) && !kept.includes(pub.status) ? 400 : pub.status;
			return open311ErrorResponse(requested, status, [{ code: status, description: pub.body.reason }]);
		}
	};
}

/**
 * The answer to a path under /open311/ that is no endpoint (hooks.server.ts): the spec's error list, in XML when
 * the path ends in .xml, so a client reads it as it reads every other refusal — not the site's HTML 404 page.
 * A path that is not even valid percent-encoding is a 400.
 */
export function open311PathRefusal(pathname: string): Response {
	const format: Open311Format = /\.xml$/i.test(pathname) ? 'xml' : 'json';
	let path: string;
	try {
		path = decodeURI(pathname);
	} catch {
		return open311ErrorResponse(format, 400, [{ code: 400, description: 'the path is not valid percent-encoding' }]);
	}
	const description = `no Open311 endpoint at ${path.slice(0, 200)}: the endpoints end in .json or .xml (see /open311/discovery.json)`;
	return open311ErrorResponse(format, 404, [{ code: 404, description }]);
}

/** Preflight for browsers on other origins. */
export const corsPreflight = () => new Response(null, { status: 204, headers: CORS_HEADERS });

export function discovery(ctx: AppContext) {
	const base = ctx.config.publicUrl;
	return {
		changeset: OPEN311_CHANGESET,
		contact: `City 311, ${base}/report`,
		key_service: `Ask the city's 311 administrators for an API key (issued at ${base}/admin/api-keys)`,
		endpoints: [
			{
				specification: OPEN311_SPEC_URL,
				url: `${base}/open311/v2`,
				changeset: OPEN311_CHANGESET,
				type: 'production',
				formats: ['application/json', 'text/xml']
			}
		]
	};
}

export async function getServices({ ctx, format }: Open311Event): Promise<Response> {
	const types = await listServiceTypes(ctx.store);
	const services = types.sort((a, b) => a.service_code.localeCompare(b.service_code)).map(toOpen311Service);
	return open311Response(format, 'services', services);
}

export async function getServiceDefinition({ ctx, format, event }: Open311Event): Promise<Response> {
	const code = event.params.code ?? '';
	const type = await loadServiceType(ctx.store, code);
	if (!type) throw fail(404, `service_code "${code}" was not found`);
	return open311Response(format, 'service_definition', toServiceDefinition(type));
}

export async function getRequests({ ctx, format, event }: Open311Event): Promise<Response> {
	const query = parseRequestsQuery(event.url.searchParams, new Date());
	if (!query.ok) throw new Open311Failure(400, query.errors);
	const q = query.value;
	ctx.orders.touch();
	if (!q.ids && q.serviceCodes && q.serviceCodes.length > MAX_SERVICE_CODES) throw fail(400, `at most ${MAX_SERVICE_CODES} service codes at once`);
	if (!q.ids && q.page * q.pageSize > MAX_SCAN) throw fail(400, `page × page_size must be at most ${MAX_SCAN.toLocaleString('en-US')}; narrow the dates instead`);
	// From memory once the request index has caught up; from the store before that and for id lists.
	if (!q.ids && ctx.orders.ready && format === 'json') return open311JsonText(ctx.requests.searchJson(q));
	const orders = !q.ids && ctx.orders.ready ? ctx.requests.search(q) : await searchRequests(ctx.store, q, ctx.config.CITY_TIME_ZONE);
	const requests: Open311Request[] = orders.map((o) => toOpen311Request(o, ctx.config.publicUrl, ctx.config.CITY_TIME_ZONE));
	return open311Response(format, 'service_requests', requests);
}

export async function getRequest({ ctx, format, event }: Open311Event): Promise<Response> {
	const id = event.params.id ?? '';
	const raw = id.length <= 64 ? await ctx.store.db(ORDERS_DB).getOrNull<unknown>(workOrderDocId(id)) : null;
	const parsed = raw ? workOrderSchema.safeParse(raw) : null;
	if (!parsed?.success) throw fail(404, `service_request_id "${id}" was not found`);
	return open311Response(format, 'service_requests', [toOpen311Request(parsed.data, ctx.config.publicUrl, ctx.config.CITY_TIME_ZONE)]);
}

export async function getToken({ ctx, format, event }: Open311Event): Promise<Response> {
	const token = event.params.token ?? '';
	const res = /^[a-f0-9]{8,64}$/.test(token)
		? await ctx.store.db(ORDERS_DB).find<{ service_request_id: string }>({
				selector: { type: 'work_order', intake_token: token },
				fields: ['service_request_id'],
				use_index: ['idx-orders', 'by-token'],
				limit: 1
			})
		: { docs: [] };
	const found = res.docs[0];
	if (!found) throw fail(404, `token "${token}" was not found`);
	return open311Response(format, 'service_requests', [{ service_request_id: found.service_request_id, token }]);
}

async function discard(request: Request): Promise<void> {
	try {
		if (request.body) for await (const chunk of request.body) void chunk;
	} catch {
		// The client went away: nothing to answer anyway.
	}
}

/** The arguments of a POST: form-urlencoded (the spec), multipart (with a `media` photo) or JSON. */
async function readArguments(request: Request, maxUpload: number): Promise<{ args: ArgumentMap; photo: Uint8Array | null }> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (type === 'application/json') {
		const parsed = argumentsFromJson(await readJson(request));
		if (!parsed.ok) throw new Open311Failure(400, parsed.errors);
		return { args: parsed.value, photo: null };
	}
	if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
		throw fail(400, 'send the request as application/x-www-form-urlencoded (or multipart/form-data with a photo, or application/json)');
	}
	const limit = type === 'multipart/form-data' ? maxUpload + MAX_JSON_BODY_BYTES : MAX_JSON_BODY_BYTES;
	if (declared > limit) {
		// Read and drop the body first (the server's BODY_SIZE_LIMIT bounds it), so the client, still sending,
		// gets the answer instead of a broken connection.
		await discard(request);
		throw new PayloadTooLargeError(`the request is larger than ${Math.round(limit / 1024)} KB`);
	}
	let form: FormData;
	try {
		form = await request.formData();
	} catch {
		throw fail(400, `the ${type} body could not be read`);
	}
	const args: ArgumentMap = new Map();
	let photo: Uint8Array | null = null;
	for (const [name, value] of form.entries()) {
		if (typeof value === 'string') {
			args.set(name, [...(args.get(name) ?? []), value]);
		} else if (name === PHOTO_FIELD && !photo) {
			if (value.size > maxUpload) throw new PayloadTooLargeError(`the photo is larger than ${Math.round(maxUpload / (1024 * 1024))} MB`);
			if (value.size > 0) photo = new Uint8Array(await value.arrayBuffer());
		} else {
			throw fail(400, `unexpected file "${name}": send one photo as "${PHOTO_FIELD}"`);
		}
	}
	return { args, photo };
}

export async function postRequest({ ctx, format, event }: Open311Event): Promise<Response> {
	const { args, photo } = await readArguments(event.request, ctx.config.MAX_UPLOAD_BYTES);
	const presented = args.get('api_key')?.[0] ?? null;
	if (!presented) throw fail(403, 'api_key was not provided');
	const key = await findActiveApiKey(ctx.store, presented);
	if (!key) throw fail(403, 'api_key is not valid (unknown or revoked)');
	const input = parseServiceRequestInput(args);
	if (!input.ok) throw new Open311Failure(400, input.errors);
	const result = await createServiceRequest(ctx, input.value, { channel: 'open311', via: key.name, photo });
	const answer = result.token
		? { token: result.token, service_notice: result.service_notice }
		: { service_request_id: result.order.service_request_id, service_notice: result.service_notice }; // account_id "may not be returned": we have no resident accounts
	return open311Response(format, 'service_requests', [answer], 201);
}

/** servicerequestupdates (FixMyStreet's extension): each public step of requests updated in the range. */
export async function getRequestUpdates({ ctx, format, event }: Open311Event): Promise<Response> {
	const params = event.url.searchParams;
	// The same date rules as GET requests (90-day default and limit); ranges apply to the update time.
	const query = parseRequestsQuery(new URLSearchParams([...params].filter(([k]) => k === 'start_date' || k === 'end_date')), new Date());
	if (!query.ok) throw new Open311Failure(400, query.errors);
	const { start, end } = query.value;
	const types = new Map<string, ServiceType>((await listServiceTypes(ctx.store)).map((t) => [t.service_code, t]));
	// updated_datetime strings mix offsets (device times are UTC): widen by a day, then compare instants.
	const margin = 24 * 60 * 60 * 1000;
	const res = await ctx.store.db(ORDERS_DB).find<unknown>({
		selector: { type: 'work_order', updated_datetime: { $gte: new Date(+start - margin).toISOString().slice(0, 10), $lte: new Date(+end + margin).toISOString() } },
		sort: [{ type: 'desc' }, { updated_datetime: 'desc' }],
		use_index: ['idx-orders', 'by-updated'],
		limit: MAX_UPDATES * 5 // orders, newest updates first; each has a few steps
	});
	// Sorted by the exact time (the output is to the second), a request's own steps kept in timeline order.
	const found: { update: Open311RequestUpdate; t: number }[] = [];
	for (const doc of res.docs) {
		const parsed = workOrderSchema.safeParse(doc);
		if (!parsed.success) continue;
		const order = parsed.data;
		const workDone = types.get(order.service_code)?.resolution_codes.find((r) => r.code === order.resolution?.code)?.work_done ?? true;
		for (const step of publicTimeline(order)) {
			const t = Date.parse(step.at);
			if (t >= +start && t <= +end) found.push({ update: toRequestUpdate(order.service_request_id, step, workDone, ctx.config.publicUrl, ctx.config.CITY_TIME_ZONE), t });
		}
	}
	found.sort((a, b) => a.t - b.t || (a.update.service_request_id === b.update.service_request_id ? 0 : a.update.service_request_id < b.update.service_request_id ? -1 : 1));
	const updates = found.map((f) => f.update);
	return open311Response(format, 'service_request_updates', updates.slice(-MAX_UPDATES));
}
