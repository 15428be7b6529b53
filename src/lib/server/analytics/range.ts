/**
 * The date range and service codes of a report or an export. A plain date is a day of the city's calendar
 * (2015-01-01 = that day's midnight in CITY_TIME_ZONE, to the end of end_date's day); a date-time needs its
 * zone. One parser for the managers' page and the open-data exports, so both count the same requests.
 */
import { TZDate } from '@date-fns/tz';
import { localDayAndMinute } from '../../domain';

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export interface DateRange {
	start: Date;
	end: Date;
	serviceCodes: string[] | null;
}

export interface RangeRules {
	/** Days before `end` when start_date is not given; null: from the first request on record. */
	defaultDays: number | null;
	/** Longest range allowed (null: any). */
	maxDays: number | null;
}

/** A date (city day; its start, or its last millisecond with endOfDay) or a date-time with a zone. */
export function parseCityDate(text: string, endOfDay: boolean, timeZone: string): Date | null {
	const m = DATE.exec(text.slice(0, 10));
	if (!m) return null;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const check = new Date(Date.UTC(y, mo - 1, d));
	// 2026-02-30 is refused, not rolled over to March (Date.parse would).
	if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
	if (text.length === 10) return new Date(endOfDay ? +new TZDate(y, mo - 1, d + 1, timeZone) - 1 : +new TZDate(y, mo - 1, d, timeZone));
	if (!DATE_TIME.test(text)) return null;
	const ms = Date.parse(text);
	return Number.isFinite(ms) ? new Date(ms) : null;
}

/** City days the range touches, both ends counted (a day of 23 or 25 hours is one day). */
export function cityDaysSpanned(start: Date, end: Date, timeZone: string): number {
	return localDayAndMinute(+end, timeZone).day - localDayAndMinute(+start, timeZone).day + 1;
}

/** start_date, end_date (default: now) and a comma-separated service_code list, checked. */
export function parseDateRange(params: URLSearchParams, now: Date, timeZone: string, rules: RangeRules): { ok: true; value: DateRange } | { ok: false; reason: string } {
	const startText = params.get('start_date') || null;
	const endText = params.get('end_date') || null;
	const end = endText ? parseCityDate(endText, true, timeZone) : now;
	if (!end) return { ok: false, reason: `end_date "${endText}" is not a date (2026-01-31) or a date-time with a zone` };
	const start = startText ? parseCityDate(startText, false, timeZone) : rules.defaultDays === null ? new Date(0) : new Date(+end - rules.defaultDays * DAY_MS);
	if (!start) return { ok: false, reason: `start_date "${startText}" is not a date (2026-01-01) or a date-time with a zone` };
	if (+start > +end) return { ok: false, reason: 'start_date is after end_date' };
	if (rules.maxDays !== null && cityDaysSpanned(start, end, timeZone) > rules.maxDays) {
		return { ok: false, reason: `an export may span at most ${rules.maxDays} days: export a year at a time` };
	}
	// A list (service_code=a,b) or the parameter repeated (a form's multiple select).
	const codes = params.getAll('service_code');
	const serviceCodes = codes.length === 0 ? null : [...new Set(codes.flatMap((c) => c.split(',')).map((c) => c.trim()).filter((c) => c !== ''))];
	if (serviceCodes !== null && serviceCodes.length === 0) return { ok: false, reason: 'service_code is empty' };
	return { ok: true, value: { start, end, serviceCodes } };
}

/** A city day, YYYY-MM-DD, of an instant. */
export function cityDay(d: Date, timeZone: string): string {
	const t = new TZDate(+d, timeZone);
	return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
}
