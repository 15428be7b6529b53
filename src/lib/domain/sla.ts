/**
 * SLA targets and the SLA clock (issue 08). A service type's target is a number of hours; the clock runs
 * either around the clock or only in the city's business hours (weekdays, opening and closing time, minus
 * holidays), as the service type says. The clock starts at the request time and stops at the close: the
 * device time of the close action (the order's closed_datetime), not when it was uploaded.
 *
 * Business hours are wall-clock times in the city's zone. On the two daylight-saving change days a window
 * that contains the change (02:00) counts one hour more or less than the wall clock says; 311 business
 * hours never do, so this is ignored.
 */
import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import { couchMeta, isoDateTime } from './common';

export const MS_PER_HOUR = 60 * 60 * 1000;
const MS_PER_MINUTE = 60 * 1000;
const MINUTES_PER_DAY = 24 * 60;
const MS_PER_DAY = MINUTES_PER_DAY * MS_PER_MINUTE;
const DAYS_PER_WEEK = 7;
/** Day 0 of the day numbers below, 1970-01-01, was a Thursday. */
const EPOCH_WEEKDAY = 4;
export const MAX_SLA_HOURS = 24 * 366; // a year: a longer target is a typo
export const MAX_HOLIDAYS = 400; // a few years of city holidays

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'use a time like 08:00 (24-hour clock)');
const isoDate = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date like 2026-12-25')
	.refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

/** The city's business hours: which weekdays (0 = Sunday), from when to when, and the holidays. */
export const businessHoursSchema = z
	.object({
		days: z
			.array(z.number().int().min(0).max(6))
			.min(1, 'pick at least one working day')
			.max(DAYS_PER_WEEK)
			.refine((d) => new Set(d).size === d.length, 'a weekday is listed twice'),
		open: hhmm,
		close: hhmm,
		holidays: z
			.array(isoDate)
			.max(MAX_HOLIDAYS)
			.refine((d) => new Set(d).size === d.length, 'a holiday is listed twice')
	})
	.refine((c) => toMinutes(c.close) > toMinutes(c.open), { message: 'closing time must be after opening time', path: ['close'] });
export type BusinessHours = z.infer<typeof businessHoursSchema>;

/** The calendar document (one per city) in the directory database. */
export const slaCalendarSchema = z.object({
	...couchMeta,
	type: z.literal('sla_calendar'),
	business_hours: businessHoursSchema,
	updated_at: isoDateTime.nullable().default(null),
	updated_by: z.string().nullable().default(null)
});
export type SlaCalendar = z.infer<typeof slaCalendarSchema>;
export const SLA_CALENDAR_DOC_ID = 'sla_calendar';

/** Until an admin sets them: Monday to Friday, 8:00 to 17:00, no holidays. */
export const DEFAULT_BUSINESS_HOURS: BusinessHours = { days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', holidays: [] };

/** What an admin may change on a service type's SLA. */
export const slaTargetSchema = z.object({
	sla_hours: z.number({ error: 'give the target as a number of hours' }).positive('the target must be more than 0 hours').max(MAX_SLA_HOURS, `at most ${MAX_SLA_HOURS} hours`),
	sla_business_hours: z.boolean()
});
export type SlaTarget = z.infer<typeof slaTargetSchema>;

function toMinutes(t: string): number {
	const [h, m] = t.split(':').map(Number);
	return h! * 60 + m!;
}

/** Days since 1970-01-01 of a calendar date (year, month 1-12, day). */
const dayNumber = (y: number, m: number, d: number) => Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
const weekdayOf = (day: number) => (((day + EPOCH_WEEKDAY) % DAYS_PER_WEEK) + DAYS_PER_WEEK) % DAYS_PER_WEEK;

const OFFSET_CACHE_MAX_DAYS = 100_000; // per zone: ~270 years of UTC days, a few MB at most
/** Zone offsets (minutes, positive west of Greenwich) per UTC day; NaN on a day the offset changes. */
const offsetsByZone = new Map<string, Map<number, number>>();

const offsetAt = (ms: number, timeZone: string) => new TZDate(ms, timeZone).getTimezoneOffset();

/**
 * The zone's offset at an instant. Converting with TZDate costs several microseconds; the reports convert
 * hundreds of thousands of times, so the offset of each UTC day is remembered (days with a change are
 * converted exactly).
 */
function zoneOffsetMinutes(ms: number, timeZone: string): number {
	let days = offsetsByZone.get(timeZone);
	if (!days) offsetsByZone.set(timeZone, (days = new Map()));
	const day = Math.floor(ms / MS_PER_DAY);
	let offset = days.get(day);
	if (offset === undefined) {
		if (days.size >= OFFSET_CACHE_MAX_DAYS) days.clear();
		const first = offsetAt(day * MS_PER_DAY, timeZone);
		offset = first === offsetAt((day + 1) * MS_PER_DAY - 1, timeZone) ? first : NaN;
		days.set(day, offset);
	}
	return Number.isNaN(offset) ? offsetAt(ms, timeZone) : offset;
}

/** The city's local day number (days since 1970-01-01) and minute of day of an instant. */
export function localDayAndMinute(ms: number, timeZone: string): { day: number; minute: number } {
	const local = ms - zoneOffsetMinutes(ms, timeZone) * MS_PER_MINUTE;
	const day = Math.floor(local / MS_PER_DAY);
	return { day, minute: (local - day * MS_PER_DAY) / MS_PER_MINUTE };
}

/** Measures SLA time in a city's business hours. */
export class BusinessClock {
	readonly #isWorkday: boolean[];
	readonly #workdaysPerWeek: number;
	/** Holidays that fall on working days, as sorted day numbers (others change nothing). */
	readonly #holidays: number[];
	readonly #open: number;
	readonly #close: number;
	readonly #timeZone: string;

	constructor(hours: BusinessHours, timeZone: string) {
		this.#isWorkday = Array.from({ length: DAYS_PER_WEEK }, (_, d) => hours.days.includes(d));
		this.#workdaysPerWeek = hours.days.length;
		this.#holidays = hours.holidays
			.map((h) => dayNumber(Number(h.slice(0, 4)), Number(h.slice(5, 7)), Number(h.slice(8, 10))))
			.filter((d) => this.#isWorkday[weekdayOf(d)])
			.sort((a, b) => a - b);
		this.#open = toMinutes(hours.open);
		this.#close = toMinutes(hours.close);
		this.#timeZone = timeZone;
	}

	/** Minutes of business time in a working day. */
	get minutesPerDay(): number {
		return this.#close - this.#open;
	}

	#isBusinessDay(day: number): boolean {
		return this.#isWorkday[weekdayOf(day)]! && !this.#holidayAt(day);
	}

	#holidayAt(day: number): boolean {
		const i = this.#holidaysBefore(day);
		return this.#holidays[i] === day;
	}

	/** Number of holidays (on working days) before `day`. */
	#holidaysBefore(day: number): number {
		let lo = 0;
		let hi = this.#holidays.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.#holidays[mid]! < day) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/** Business days in [0, day): whole weeks, the days left over, minus holidays. */
	#businessDaysBefore(day: number): number {
		const weeks = Math.floor(day / DAYS_PER_WEEK);
		let n = weeks * this.#workdaysPerWeek;
		for (let d = weeks * DAYS_PER_WEEK; d < day; d++) if (this.#isWorkday[weekdayOf(d)]) n++;
		return n - this.#holidaysBefore(day);
	}

	/** Business minutes from 1970-01-01 (city time) to the instant: a non-decreasing function of time. */
	minutesAt(ms: number): number {
		const { day, minute } = localDayAndMinute(ms, this.#timeZone);
		const today = this.#isBusinessDay(day) ? Math.min(Math.max(minute, this.#open), this.#close) - this.#open : 0;
		return this.#businessDaysBefore(day) * this.minutesPerDay + today;
	}

	/** Business hours between two instants (negative when `to` is before `from`). */
	hoursBetween(from: number, to: number): number {
		return (this.minutesAt(to) - this.minutesAt(from)) / 60;
	}

	/** The first instant (to the millisecond) at which `hours` business hours have passed since `from`. */
	addHours(from: number, hours: number): number {
		const target = this.minutesAt(from) + hours * 60;
		if (this.minutesAt(from) >= target) return from;
		// Grow the window until it holds enough business time (holidays may take whole weeks), then bisect
		// on the non-decreasing minutesAt.
		let lo = from;
		let span = Math.ceil((hours * 60) / this.minutesPerDay) * MS_PER_DAY;
		let hi = from + span;
		while (this.minutesAt(hi) < target) {
			lo = hi;
			span *= 2;
			hi = from + span;
		}
		while (hi - lo > 1) {
			const mid = lo + Math.floor((hi - lo) / 2);
			if (this.minutesAt(mid) >= target) hi = mid;
			else lo = mid;
		}
		return hi;
	}
}

/** A service type's SLA as the clock needs it. */
export type SlaRule = Pick<SlaTarget, 'sla_hours' | 'sla_business_hours'>;

/** SLA hours spent between request and close (or now) under the service type's rule. */
export function slaHoursSpent(rule: SlaRule, from: number, to: number, clock: BusinessClock): number {
	return rule.sla_business_hours ? clock.hoursBetween(from, to) : (to - from) / MS_PER_HOUR;
}

/** When a request made at `from` is due under the rule (the clock is needed for business-hours rules only). */
export function slaDueAt(rule: SlaRule, from: number, clock: BusinessClock | null): number {
	if (!rule.sla_business_hours) return from + rule.sla_hours * MS_PER_HOUR;
	if (!clock) throw new Error('a business-hours SLA needs the business clock');
	return clock.addHours(from, rule.sla_hours);
}
