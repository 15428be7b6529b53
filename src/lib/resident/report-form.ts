/**
 * The resident report form (/report, issue 07), its pure parts: what the form's fields hold, how they become
 * the Open311 POST arguments the intake already parses (one path for the web form and Open311 apps), which
 * input each service attribute gets, and the plain-language checks residents see before the intake's own.
 * No I/O: the page's server action reads the request and calls the intake.
 */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { ArgumentMap, Open311Service, Open311ServiceDefinition } from '../domain/open311';
import { ISO_SECONDS_OFFSET } from '../domain/time';
import { DESCRIPTION_MAX } from '../domain/work-order';
import { t, type Lang } from '../i18n/resident';

/** The form field the photo is sent in (the same name Open311 multipart posts use). */
export const PHOTO_FIELD = 'media';
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
const ATTRIBUTE_FIELD = /^attribute\[([^\]]{1,100})\]$/;
/**
 * Set by the form's action for the status page it redirects to: the report gave an e-mail, so the thanks box
 * says "we will e-mail you" (the page itself never tells anyone whether a request has a reporter's e-mail).
 */
export const NEW_REPORT_COOKIE = 'fw_new_report';
export const NEW_REPORT_COOKIE_MAX_AGE_S = 10 * 60; // 10 minutes
/** Lat/long kept to 6 decimals (about 10 cm): more is noise from the map's pixel maths. */
const COORD_DECIMALS = 6;

/** What the resident typed, kept as text so a refused form comes back exactly as it was sent. */
export interface ReportValues {
	service_code: string;
	description: string;
	lat: string;
	long: string;
	address_string: string;
	email: string;
	first_name: string;
	last_name: string;
	/** attribute code -> values (several for a multi-value list). */
	attributes: Record<string, string[]>;
}

export const emptyReportValues = (): ReportValues => ({
	service_code: '',
	description: '',
	lat: '',
	long: '',
	address_string: '',
	email: '',
	first_name: '',
	last_name: '',
	attributes: {}
});

const TEXT_FIELDS = ['service_code', 'description', 'lat', 'long', 'address_string', 'email', 'first_name', 'last_name'] as const;

/** A file the browser sent: the parts of File the form needs (FormDataEntryValue in Node and browsers). */
export interface SentFile {
	name: string;
	size: number;
	type: string;
}

/** The form's fields and its photo (an empty file input sends a nameless zero-byte file: no photo). */
export function readReportForm<F extends SentFile>(entries: Iterable<[string, string | F]>): { values: ReportValues; photo: F | null } {
	const values = emptyReportValues();
	let photo: F | null = null;
	for (const [name, value] of entries) {
		if (typeof value !== 'string') {
			if (name === PHOTO_FIELD && value.size > 0 && !photo) photo = value;
			continue;
		}
		const attribute = ATTRIBUTE_FIELD.exec(name);
		if (attribute) {
			const code = attribute[1]!;
			values.attributes[code] = [...(values.attributes[code] ?? []), value];
		} else if ((TEXT_FIELDS as readonly string[]).includes(name)) {
			values[name as (typeof TEXT_FIELDS)[number]] = value;
		}
	}
	return { values, photo };
}

/**
 * The Open311 POST arguments for the form's values. A pin wins over the typed address (the address is kept
 * with it as the resident's words). `datetimes`: attribute codes whose values come from a datetime-local
 * input, turned into W3C date-times on the city's clock.
 */
export function reportArguments(values: ReportValues, opts: { timeZone: string; datetimes?: readonly string[] }): ArgumentMap {
	const args: ArgumentMap = new Map();
	const put = (name: string, value: string) => {
		const v = value.trim();
		if (v !== '') args.set(name, [v]);
	};
	put('service_code', values.service_code);
	put('description', values.description);
	put('lat', values.lat);
	put('long', values.long);
	put('address_string', values.address_string);
	put('email', values.email);
	put('first_name', values.first_name);
	put('last_name', values.last_name);
	for (const [code, given] of Object.entries(values.attributes)) {
		const kept = given.map((v) => v.trim()).filter((v) => v !== '');
		if (kept.length === 0) continue;
		args.set(`attribute[${code}]`, opts.datetimes?.includes(code) ? kept.map((v) => localToW3c(v, opts.timeZone) ?? v) : kept);
	}
	return args;
}

/** "2026-11-23T09:15" (a datetime-local input, the city's wall clock) as "2026-11-23T09:15:00-08:00". */
export function localToW3c(local: string, timeZone: string): string | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
	if (!m) return null;
	const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
	const date = new TZDate(y, mo - 1, d, h, mi, s, timeZone);
	return Number.isFinite(+date) ? format(date, ISO_SECONDS_OFFSET) : null;
}

export type AttributeField = Open311ServiceDefinition['attributes'][number];
export type FieldKind = 'select' | 'checkboxes' | 'text' | 'textarea' | 'number' | 'datetime' | 'info';

/** The input an attribute gets: lists as a select or checkboxes, text as an input or a text area. */
export function fieldKind(a: Pick<AttributeField, 'variable' | 'datatype'>): FieldKind {
	if (!a.variable) return 'info';
	switch (a.datatype) {
		case 'singlevaluelist':
			return 'select';
		case 'multivaluelist':
			return 'checkboxes';
		case 'text':
			return 'textarea';
		case 'number':
			return 'number';
		case 'datetime':
			return 'datetime';
		default:
			return 'text';
	}
}

/** The services as the category select shows them: groups in name order, services by name within each. */
export function groupServices(services: readonly Pick<Open311Service, 'service_code' | 'service_name' | 'group'>[]): { group: string; services: { code: string; name: string }[] }[] {
	const groups = new Map<string, { code: string; name: string }[]>();
	for (const s of services) {
		const group = s.group ?? '';
		groups.set(group, [...(groups.get(group) ?? []), { code: s.service_code, name: s.service_name }]);
	}
	return [...groups]
		.sort(([a], [b]) => a.localeCompare(b, 'en'))
		.map(([group, list]) => ({ group, services: list.sort((a, b) => a.name.localeCompare(b.name, 'en') || a.code.localeCompare(b.code)) }));
}

/** A map pin's coordinates as the hidden inputs hold them. */
export const coordText = (n: number) => n.toFixed(COORD_DECIMALS);

/** The pin the form's lat/long hold, if both are numbers. */
export function pinOf(values: Pick<ReportValues, 'lat' | 'long'>): { lat: number; long: number } | null {
	if (values.lat.trim() === '' || values.long.trim() === '') return null;
	const lat = Number(values.lat);
	const long = Number(values.long);
	return Number.isFinite(lat) && Number.isFinite(long) ? { lat, long } : null;
}

/**
 * The problems a resident can fix, in their language, found before the intake runs: a category, a place,
 * the description's length, the photo's type and size. The intake checks everything again (and more).
 */
export function checkReport(values: ReportValues, photo: SentFile | null, opts: { lang: Lang; maxUploadBytes: number; serviceCodes: readonly string[] }): string[] {
	const { lang } = opts;
	const errors: string[] = [];
	if (values.service_code.trim() === '') errors.push(t(lang, 'report_err_category'));
	else if (!opts.serviceCodes.includes(values.service_code.trim())) errors.push(t(lang, 'report_err_unknown_category'));
	if (values.description.length > DESCRIPTION_MAX) {
		errors.push(t(lang, 'report_err_description_long', { max: DESCRIPTION_MAX.toLocaleString(lang === 'es' ? 'es-US' : 'en-US'), n: values.description.length.toLocaleString(lang === 'es' ? 'es-US' : 'en-US') }));
	}
	if (!pinOf(values) && values.address_string.trim() === '') errors.push(t(lang, 'report_err_location'));
	if (photo) {
		if (!(PHOTO_TYPES as readonly string[]).includes(photo.type)) errors.push(t(lang, 'report_err_photo_type'));
		else if (photo.size > opts.maxUploadBytes) errors.push(t(lang, 'report_err_photo_size', { mb: Math.round(opts.maxUploadBytes / (1024 * 1024)) }));
	}
	return errors;
}
