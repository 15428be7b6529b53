/**
 * Open311 responses in JSON and XML from one value (GeoReport v2 "Format Support"): JSON as is, XML by the
 * spec's mapping (a list is a plural element holding one singular element per item) built with
 * fast-xml-parser — never by string concatenation. Errors are the spec's array of {code, description}.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Open311Error, Open311Format } from '../../domain';

/** The singular element of each list the spec returns. */
const ITEM_NAMES: Record<string, string> = {
	services: 'service',
	service_requests: 'request',
	attributes: 'attribute',
	values: 'value',
	errors: 'error',
	endpoints: 'endpoint',
	formats: 'format',
	service_request_updates: 'request_update'
};

const CONTENT_TYPES: Record<Open311Format, string> = {
	json: 'application/json; charset=utf-8',
	xml: 'text/xml; charset=utf-8'
};

const builder = new XMLBuilder({ format: true, ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

// Characters XML 1.0 cannot carry at all (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF).
// eslint-disable-next-line no-control-regex
const NOT_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A JSON value as the XML builder's tree: lists under their item name, null as an empty element. */
function toXmlTree(value: unknown, key: string): unknown {
	if (value === null || value === undefined) return '';
	if (Array.isArray(value)) {
		const item = ITEM_NAMES[key];
		if (!item) throw new Error(`no XML item name for the list "${key}"`);
		return value.length ? { [item]: value.map((v) => toXmlTree(v, item)) } : '';
	}
	if (typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toXmlTree(v, k)]));
	}
	if (typeof value === 'string') return value.replace(NOT_XML_CHARS, '');
	return String(value);
}

/** An XML document: `<?xml …?>` then `root` holding `value` (a list is spread as root's items). */
export function toXml(root: string, value: unknown): string {
	return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [root]: toXmlTree(value, root) }) as string;
}

/** GETs may be read by any web page (Open311 apps run in browsers on other origins). */
export const CORS_HEADERS = {
	'access-control-allow-origin': '*',
	'access-control-allow-methods': 'GET, POST, OPTIONS',
	'access-control-allow-headers': 'content-type',
	'access-control-max-age': '86400'
} as const;

export function open311Response(format: Open311Format, root: string, value: unknown, status = 200, cors = true): Response {
	const body = format === 'json' ? JSON.stringify(value) : toXml(root, value);
	return new Response(body, { status, headers: { 'content-type': CONTENT_TYPES[format], ...(cors ? CORS_HEADERS : {}) } });
}

/** A JSON body already serialised (the request index's cached requests). */
export function open311JsonText(body: string, status = 200): Response {
	return new Response(body, { status, headers: { 'content-type': CONTENT_TYPES.json, ...CORS_HEADERS } });
}

export function open311ErrorResponse(format: Open311Format, status: number, errors: Open311Error[]): Response {
	return open311Response(format, 'errors', errors, status);
}
