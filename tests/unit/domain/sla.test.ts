/**
 * The SLA clock (business hours in the city's zone) against hand-counted cases and an independent brute
 * force: a 15-minute walk that asks Intl.DateTimeFormat for the local weekday, date and time of every slot.
 */
import { describe, expect, it } from 'vitest';
import {
	BusinessClock,
	businessHoursSchema,
	DEFAULT_BUSINESS_HOURS,
	localDayAndMinute,
	MAX_SLA_HOURS,
	slaDueAt,
	slaHoursSpent,
	slaTargetSchema,
	type BusinessHours
} from '../../../src/lib/domain';

const TZ = 'America/Los_Angeles';
const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;
const SLOT = 15 * MINUTE;

/** Monday to Friday, 08:00 to 17:00 (9 hours a day). */
const WEEKDAYS: BusinessHours = { days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', holidays: [] };
const clock = (hours: Partial<BusinessHours> = {}) => new BusinessClock({ ...WEEKDAYS, ...hours }, TZ);
/** An instant written with its offset, e.g. at('2026-01-09T16:00', '-08:00'). */
const at = (local: string, offset: '-08:00' | '-07:00') => Date.parse(`${local}:00${offset}`);

function rng(seed: number) {
	let s = seed >>> 0;
	return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const WEEKDAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const localFormat = new Intl.DateTimeFormat('en-US', {
	timeZone: TZ,
	hourCycle: 'h23',
	weekday: 'short',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit',
	minute: '2-digit',
	second: '2-digit'
});

/** The city's local calendar date, weekday and minute of day (with seconds as a fraction) of an instant. */
function local(ms: number): { date: string; weekday: number; minute: number } {
	const p = Object.fromEntries(localFormat.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
	return {
		date: `${p.year}-${p.month}-${p.day}`,
		weekday: WEEKDAY_INDEX[p.weekday!]!,
		minute: Number(p.hour) * 60 + Number(p.minute) + Number(p.second) / 60
	};
}

const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const isBusinessDate = (h: BusinessHours, l: { date: string; weekday: number }) => h.days.includes(l.weekday) && !h.holidays.includes(l.date);

/** Business hours in [from, to) by walking 15-minute slots (both ends on a quarter hour, from <= to). */
function bruteHours(h: BusinessHours, from: number, to: number): number {
	const open = minutesOf(h.open);
	const close = minutesOf(h.close);
	let slots = 0;
	for (let t = from; t < to; t += SLOT) {
		const l = local(t);
		if (isBusinessDate(h, l) && l.minute >= open && l.minute < close) slots++;
	}
	return slots / 4;
}

describe('business hours schema', () => {
	const ok = (h: unknown) => businessHoursSchema.safeParse(h).success;
	const messages = (h: unknown) => {
		const r = businessHoursSchema.safeParse(h);
		return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
	};

	it('accepts the default and ordinary calendars', () => {
		expect(ok(DEFAULT_BUSINESS_HOURS)).toBe(true);
		expect(ok({ days: [0, 6], open: '00:00', close: '24:00', holidays: ['2026-12-25', '2028-02-29'] })).toBe(true);
		expect(ok({ days: [1, 2, 3, 4, 5, 6, 0], open: '07:30', close: '07:31', holidays: [] })).toBe(true);
	});

	it('refuses a closing time at or before the opening time, on the close field', () => {
		expect(messages({ ...WEEKDAYS, open: '17:00', close: '08:00' })).toEqual(['close: closing time must be after opening time']);
		expect(ok({ ...WEEKDAYS, open: '09:00', close: '09:00' })).toBe(false);
	});

	it('refuses no working day, a weekday listed twice and weekdays outside 0..6', () => {
		expect(messages({ ...WEEKDAYS, days: [] })).toEqual(['days: pick at least one working day']);
		expect(messages({ ...WEEKDAYS, days: [1, 2, 1] })).toEqual(['days: a weekday is listed twice']);
		expect(ok({ ...WEEKDAYS, days: [7] })).toBe(false);
		expect(ok({ ...WEEKDAYS, days: [-1] })).toBe(false);
		expect(ok({ ...WEEKDAYS, days: [1.5] })).toBe(false);
	});

	it('refuses a holiday listed twice and dates that are not on the calendar', () => {
		expect(messages({ ...WEEKDAYS, holidays: ['2026-07-03', '2026-07-03'] })).toEqual(['holidays: a holiday is listed twice']);
		for (const bad of ['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-7-3', '03/07/2026', '2026-07-03T00:00'])
			expect(ok({ ...WEEKDAYS, holidays: [bad] }), bad).toBe(false);
		expect(ok({ ...WEEKDAYS, holidays: ['2028-02-29'] })).toBe(true);
	});

	it('refuses times that are not on a 24-hour clock', () => {
		for (const bad of ['25:00', '24:01', '8:00', '08:60', '0800', '08:00:00', ''])
			expect(ok({ ...WEEKDAYS, open: bad, close: '23:00' }), bad).toBe(false);
		expect(ok({ ...WEEKDAYS, open: '00:00', close: '24:00' })).toBe(true);
		expect(ok({ ...WEEKDAYS, open: '23:59', close: '24:00' })).toBe(true);
	});
});

describe('SLA target schema', () => {
	const ok = (t: unknown) => slaTargetSchema.safeParse(t).success;
	it('accepts a positive target up to a year, in business or wall-clock hours', () => {
		expect(ok({ sla_hours: 0.5, sla_business_hours: true })).toBe(true);
		expect(ok({ sla_hours: 24 * 366, sla_business_hours: false })).toBe(true);
		expect(MAX_SLA_HOURS).toBe(24 * 366);
	});
	it('refuses zero, negative, too long or incomplete targets', () => {
		expect(ok({ sla_hours: 0, sla_business_hours: true })).toBe(false);
		expect(ok({ sla_hours: -4, sla_business_hours: false })).toBe(false);
		expect(ok({ sla_hours: 24 * 366 + 1, sla_business_hours: false })).toBe(false);
		expect(ok({ sla_hours: 48 })).toBe(false);
		expect(ok({ sla_hours: '48', sla_business_hours: false })).toBe(false);
	});
});

describe('local day and minute', () => {
	it('matches Intl for random instants, including both daylight-saving change days', () => {
		const r = rng(7);
		const instants = [at('2026-03-08T01:59', '-08:00'), at('2026-03-08T03:00', '-07:00'), at('2026-11-01T01:30', '-07:00'), at('2026-11-01T01:30', '-08:00')];
		for (let i = 0; i < 300; i++) instants.push(Date.parse('2025-01-01T00:00:00Z') + Math.floor(r() * 3 * 365 * 24 * 60) * MINUTE);
		for (const ms of instants) {
			const l = local(ms);
			const got = localDayAndMinute(ms, TZ);
			expect(new Date(got.day * DAY).toISOString().slice(0, 10), new Date(ms).toISOString()).toBe(l.date);
			expect(got.minute).toBe(l.minute);
		}
	});
	it('knows that 07:30 UTC on a January morning is still the previous evening in San Francisco', () => {
		expect(localDayAndMinute(Date.parse('2026-01-12T07:30:00Z'), TZ)).toEqual({ day: Date.UTC(2026, 0, 11) / DAY, minute: 23 * 60 + 30 });
	});
});

describe('business clock: hand-counted cases (Mon–Fri 08:00–17:00)', () => {
	const c = clock();

	it('has 9 business hours a day', () => {
		expect(c.minutesPerDay).toBe(9 * 60);
	});

	it('counts Friday 16:00 to Monday 09:00 as 2 hours: the weekend does not count', () => {
		expect(c.hoursBetween(at('2026-01-09T16:00', '-08:00'), at('2026-01-12T09:00', '-08:00'))).toBe(2);
	});

	it('skips a holiday: Friday 16:00 to Tuesday 09:00 over a Monday holiday is 2 hours', () => {
		const withHoliday = clock({ holidays: ['2026-01-19'] });
		expect(withHoliday.hoursBetween(at('2026-01-16T16:00', '-08:00'), at('2026-01-20T09:00', '-08:00'))).toBe(2);
		// Without the holiday, Monday's 9 hours count.
		expect(c.hoursBetween(at('2026-01-16T16:00', '-08:00'), at('2026-01-20T09:00', '-08:00'))).toBe(11);
		// A holiday on a Saturday changes nothing.
		expect(clock({ holidays: ['2026-01-17'] }).hoursBetween(at('2026-01-16T16:00', '-08:00'), at('2026-01-20T09:00', '-08:00'))).toBe(11);
		// A request made on the holiday starts the clock the next business morning.
		expect(withHoliday.hoursBetween(at('2026-01-19T10:00', '-08:00'), at('2026-01-20T10:30', '-08:00'))).toBe(2.5);
	});

	it('starts the clock at the next opening for requests made at night or at the weekend', () => {
		// Saturday morning to Monday 10:00: Monday 08:00–10:00.
		expect(c.hoursBetween(at('2026-01-10T10:00', '-08:00'), at('2026-01-12T10:00', '-08:00'))).toBe(2);
		// Tuesday 20:00 to Wednesday 09:00.
		expect(c.hoursBetween(at('2026-01-13T20:00', '-08:00'), at('2026-01-14T09:00', '-08:00'))).toBe(1);
		// Early morning, before opening, to 08:30 the same day.
		expect(c.hoursBetween(at('2026-01-13T06:00', '-08:00'), at('2026-01-13T08:30', '-08:00'))).toBe(0.5);
		// Made and closed on the same weekend: nothing.
		expect(c.hoursBetween(at('2026-01-10T09:00', '-08:00'), at('2026-01-11T16:00', '-08:00'))).toBe(0);
		// Closed after closing time: the clock stopped at 17:00.
		expect(c.hoursBetween(at('2026-01-13T16:00', '-08:00'), at('2026-01-13T22:00', '-08:00'))).toBe(1);
	});

	it('counts a same-day request to the minute', () => {
		expect(c.hoursBetween(at('2026-01-13T09:15', '-08:00'), at('2026-01-13T11:45', '-08:00'))).toBe(2.5);
		expect(c.hoursBetween(at('2026-01-13T08:00', '-08:00'), at('2026-01-13T17:00', '-08:00'))).toBe(9);
		expect(c.hoursBetween(at('2026-01-13T10:00', '-08:00'), at('2026-01-13T10:00', '-08:00'))).toBe(0);
	});

	it('is negative when closed before opened', () => {
		expect(c.hoursBetween(at('2026-01-12T09:00', '-08:00'), at('2026-01-09T16:00', '-08:00'))).toBe(-2);
	});

	it('counts business hours, not wall-clock hours, across both daylight-saving changes', () => {
		// Spring forward on Sunday 2026-03-08: Friday 16:00 PST to Monday 10:00 PDT is 1 + 2 hours.
		expect(c.hoursBetween(at('2026-03-06T16:00', '-08:00'), at('2026-03-09T10:00', '-07:00'))).toBe(3);
		// Fall back on Sunday 2026-11-01.
		expect(c.hoursBetween(at('2026-10-30T16:00', '-07:00'), at('2026-11-02T10:00', '-08:00'))).toBe(3);
	});

	it('counts 4 whole weeks as 4 × 5 × 9 = 180 hours, with or without a daylight-saving change', () => {
		expect(c.hoursBetween(at('2026-02-02T08:00', '-08:00'), at('2026-03-02T08:00', '-08:00'))).toBe(180);
		expect(c.hoursBetween(at('2026-03-02T08:00', '-08:00'), at('2026-03-30T08:00', '-07:00'))).toBe(180);
		// A year of 52 weeks from a Monday, minus three weekday holidays.
		const year = clock({ holidays: ['2026-05-25', '2026-07-03', '2026-12-25', '2026-07-04'] });
		expect(year.hoursBetween(at('2026-01-05T00:00', '-08:00'), at('2027-01-04T00:00', '-08:00'))).toBe(52 * 5 * 9 - 3 * 9);
	});

	it('never goes backwards as time passes', () => {
		const r = rng(3);
		let t = at('2026-01-01T00:00', '-08:00');
		let last = c.minutesAt(t);
		for (let i = 0; i < 2000; i++) {
			t += Math.floor(r() * 6 * HOUR);
			const m = c.minutesAt(t);
			expect(m).toBeGreaterThanOrEqual(last);
			last = m;
		}
	});
});

describe('business clock against a 15-minute brute force', () => {
	const calendars: BusinessHours[] = [
		{ days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', holidays: ['2026-01-19', '2026-02-16', '2026-03-09', '2026-05-25', '2026-07-03', '2026-11-02', '2026-11-26', '2026-12-26'] },
		// Odd hours and days, a holiday on a Sunday that is a working day.
		{ days: [0, 2, 3, 6], open: '06:45', close: '23:15', holidays: ['2026-03-08', '2026-11-01', '2026-06-10'] }
	];
	for (const [n, hours] of calendars.entries()) {
		it(`calendar ${n + 1}: random ranges in 2026, including the daylight-saving changes`, () => {
			const c = new BusinessClock(hours, TZ);
			const r = rng(100 + n);
			const ranges: [number, number][] = [
				[at('2026-03-05T13:15', '-08:00'), at('2026-03-12T09:45', '-07:00')],
				[at('2026-10-29T06:30', '-07:00'), at('2026-11-04T18:00', '-08:00')]
			];
			const year = Date.parse('2026-01-01T08:00:00Z');
			for (let i = 0; i < 10; i++) {
				const from = year + Math.floor(r() * 360 * 96) * SLOT;
				ranges.push([from, from + Math.floor(r() * 16 * 96) * SLOT]);
			}
			for (const [from, to] of ranges) {
				const expected = bruteHours(hours, from, to);
				const label = `${new Date(from).toISOString()} → ${new Date(to).toISOString()}`;
				expect(c.hoursBetween(from, to), label).toBeCloseTo(expected, 9);
				expect(c.hoursBetween(to, from), label).toBeCloseTo(-expected, 9);
			}
		});
	}
});

describe('adding business hours', () => {
	const c = clock({ holidays: ['2026-01-19'] });

	it('finds the due time of hand-counted cases (to the second)', () => {
		// Friday 16:00 + 2 h: one hour on Friday, one on Monday morning.
		const due = c.addHours(at('2026-01-09T16:00', '-08:00'), 2);
		expect(due - at('2026-01-12T09:00', '-08:00')).toBeGreaterThanOrEqual(0);
		expect(due - at('2026-01-12T09:00', '-08:00')).toBeLessThan(1000);
		// Over the Monday holiday: Tuesday 09:00.
		const overHoliday = c.addHours(at('2026-01-16T16:00', '-08:00'), 2);
		expect(overHoliday - at('2026-01-20T09:00', '-08:00')).toBeGreaterThanOrEqual(0);
		expect(overHoliday - at('2026-01-20T09:00', '-08:00')).toBeLessThan(1000);
		// Saturday request, 4.5 h target: Monday 12:30.
		const weekend = c.addHours(at('2026-01-10T11:00', '-08:00'), 4.5);
		expect(weekend - at('2026-01-12T12:30', '-08:00')).toBeGreaterThanOrEqual(0);
		expect(weekend - at('2026-01-12T12:30', '-08:00')).toBeLessThan(1000);
		// 180 h = 4 weeks of business time from Monday 08:00, across the spring-forward change.
		const fourWeeks = c.addHours(at('2026-03-02T08:00', '-08:00'), 180);
		expect(fourWeeks - at('2026-03-27T17:00', '-07:00')).toBeGreaterThanOrEqual(0);
		expect(fourWeeks - at('2026-03-27T17:00', '-07:00')).toBeLessThan(1000);
	});

	const calendars: BusinessHours[] = [
		{ days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', holidays: ['2026-01-19', '2026-02-16', '2026-05-25', '2026-07-03', '2026-11-26', '2026-11-27', '2026-12-25'] },
		{ days: [0, 2, 3, 6], open: '06:45', close: '23:15', holidays: ['2026-03-08', '2026-06-10'] },
		{ days: [3], open: '10:00', close: '12:30', holidays: [] }
	];
	for (const [n, hours] of calendars.entries()) {
		it(`calendar ${n + 1}: is the inverse of hoursBetween and lands in business hours`, () => {
			const bc = new BusinessClock(hours, TZ);
			const open = minutesOf(hours.open);
			const close = minutesOf(hours.close);
			const r = rng(200 + n);
			for (let i = 0; i < 150; i++) {
				const from = Date.parse('2026-01-01T00:00:00Z') + Math.floor(r() * 350 * DAY);
				const h = i % 3 === 0 ? Math.ceil(r() * 72) : Math.round(r() * 200 * 60) / 60 + 1 / 60;
				const due = bc.addHours(from, h);
				const label = `${new Date(from).toISOString()} + ${h} h = ${new Date(due).toISOString()}`;
				expect(due, label).toBeGreaterThan(from);
				expect(Math.abs(bc.hoursBetween(from, due) - h), label).toBeLessThanOrEqual(1 / 60);
				// The first such instant, to the second: one second earlier the target was not reached yet.
				expect(bc.hoursBetween(from, due), label).toBeGreaterThanOrEqual(h - 1e-9);
				expect(bc.hoursBetween(from, due - 1000), label).toBeLessThan(h);
				// On a business day, after opening, at closing time at the latest (the search stops within a second).
				const l = local(due);
				expect(isBusinessDate(hours, l), label).toBe(true);
				expect(l.minute, label).toBeGreaterThan(open);
				expect(l.minute, label).toBeLessThanOrEqual(close + 1 / 60);
			}
		});
	}

	it('finds the due time when several holidays follow each other on a one-day-a-week calendar', () => {
		// Mondays only, the next three Mondays are holidays: Monday 2026-01-05 17:00 + 1 h is due Monday 2026-02-02 09:00.
		const mondays = new BusinessClock({ days: [1], open: '08:00', close: '17:00', holidays: ['2026-01-12', '2026-01-19', '2026-01-26'] }, TZ);
		const from = at('2026-01-05T17:00', '-08:00');
		const due = mondays.addHours(from, 1);
		expect(new Date(due).toISOString().slice(0, 16)).toBe('2026-02-02T17:00');
		expect(mondays.hoursBetween(from, due)).toBeCloseTo(1, 3);
	});
});

describe('SLA hours spent and due time', () => {
	const c = clock();
	const friday = at('2026-01-09T16:00', '-08:00');
	const monday = at('2026-01-12T09:00', '-08:00');

	it('spends wall-clock hours under a continuous rule and business hours under a business rule', () => {
		expect(slaHoursSpent({ sla_hours: 4, sla_business_hours: false }, friday, monday, c)).toBe(65);
		expect(slaHoursSpent({ sla_hours: 4, sla_business_hours: true }, friday, monday, c)).toBe(2);
		expect(slaHoursSpent({ sla_hours: 4, sla_business_hours: false }, monday, friday, c)).toBe(-65);
	});

	it('is due `sla_hours` wall-clock hours later under a continuous rule, clock or no clock', () => {
		const r = rng(11);
		for (let i = 0; i < 20; i++) {
			const from = Date.parse('2026-01-01T00:00:00Z') + Math.floor(r() * 365 * DAY);
			const h = Math.round(r() * 500 * 4) / 4 + 0.25;
			expect(slaDueAt({ sla_hours: h, sla_business_hours: false }, from, null)).toBe(from + h * HOUR);
			expect(slaDueAt({ sla_hours: h, sla_business_hours: false }, from, c)).toBe(from + h * HOUR);
		}
		// Friday 16:00 + 48 h is Sunday 16:00, weekend or not.
		expect(slaDueAt({ sla_hours: 48, sla_business_hours: false }, friday, c)).toBe(at('2026-01-11T16:00', '-08:00'));
	});

	it('is due after `sla_hours` business hours under a business rule', () => {
		const due = slaDueAt({ sla_hours: 2, sla_business_hours: true }, friday, c);
		expect(due - monday).toBeGreaterThanOrEqual(0);
		expect(due - monday).toBeLessThan(1000);
	});

	it('refuses a business-hours rule without the business clock', () => {
		expect(() => slaDueAt({ sla_hours: 2, sla_business_hours: true }, friday, null)).toThrow(/business clock/);
	});
});
