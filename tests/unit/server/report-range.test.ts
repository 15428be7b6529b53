/**
 * The date range of the reports and exports: a plain date is a day of the city's calendar (its local
 * midnight to the last millisecond before the next one), a date-time needs its zone; and the managers'
 * report query built on it.
 */
import { describe, expect, it } from 'vitest';
import { parseCityDate, parseDateRange, type RangeRules } from '../../../src/lib/server/analytics/range';
import { parseReportQuery } from '../../../src/lib/server/analytics/summary';

const TZ = 'America/Los_Angeles';
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-06-15T19:00:00Z');
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('parseCityDate', () => {
	it("reads a plain date as the city's local midnight: 08:00 UTC in a San Francisco winter", () => {
		expect(iso(parseCityDate('2026-01-15', false, TZ))).toBe('2026-01-15T08:00:00.000Z');
		expect(iso(parseCityDate('2028-02-29', false, TZ))).toBe('2028-02-29T08:00:00.000Z');
	});

	it('ends a day one millisecond before the next local midnight', () => {
		expect(iso(parseCityDate('2026-01-15', true, TZ))).toBe('2026-01-16T07:59:59.999Z');
		expect(iso(parseCityDate('2026-01-31', true, TZ))).toBe('2026-02-01T07:59:59.999Z');
		expect(iso(parseCityDate('2026-12-31', true, TZ))).toBe('2027-01-01T07:59:59.999Z');
		expect(iso(parseCityDate('2028-02-28', true, TZ))).toBe('2028-02-29T07:59:59.999Z');
	});

	it('uses the summer offset (−07:00) for a July date', () => {
		expect(iso(parseCityDate('2026-07-04', false, TZ))).toBe('2026-07-04T07:00:00.000Z');
		expect(iso(parseCityDate('2026-07-04', true, TZ))).toBe('2026-07-05T06:59:59.999Z');
	});

	it('gives the daylight-saving change days their 23 and 25 hours', () => {
		const spring = [parseCityDate('2026-03-08', false, TZ)!, parseCityDate('2026-03-08', true, TZ)!];
		expect(spring.map(iso)).toEqual(['2026-03-08T08:00:00.000Z', '2026-03-09T06:59:59.999Z']);
		expect(+spring[1]! - +spring[0]! + 1).toBe(23 * 3_600_000);
		const fall = [parseCityDate('2026-11-01', false, TZ)!, parseCityDate('2026-11-01', true, TZ)!];
		expect(fall.map(iso)).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-02T07:59:59.999Z']);
		expect(+fall[1]! - +fall[0]! + 1).toBe(25 * 3_600_000);
	});

	it('follows the zone it is given', () => {
		expect(iso(parseCityDate('2026-01-15', false, 'Asia/Tokyo'))).toBe('2026-01-14T15:00:00.000Z');
		expect(iso(parseCityDate('2026-01-15', false, 'UTC'))).toBe('2026-01-15T00:00:00.000Z');
		expect(iso(parseCityDate('2026-01-15', true, 'UTC'))).toBe('2026-01-15T23:59:59.999Z');
	});

	it('refuses dates that are not on the calendar or not written YYYY-MM-DD', () => {
		for (const bad of ['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-1-5', '20260115', '15/01/2026', '', 'today']) {
			expect(parseCityDate(bad, false, TZ), bad).toBeNull();
			expect(parseCityDate(bad, true, TZ), bad).toBeNull();
		}
	});

	it('reads a date-time with its zone as that instant, end of day or not', () => {
		expect(iso(parseCityDate('2026-01-15T10:00:00Z', false, TZ))).toBe('2026-01-15T10:00:00.000Z');
		expect(iso(parseCityDate('2026-01-15T10:00-08:00', false, TZ))).toBe('2026-01-15T18:00:00.000Z');
		expect(iso(parseCityDate('2026-01-15T10:00:00.250+01:00', true, TZ))).toBe('2026-01-15T09:00:00.250Z');
	});

	it('refuses a date-time without a zone (it would depend on the server clock)', () => {
		for (const bad of ['2026-01-15T10:00', '2026-01-15T10:00:00', '2026-01-15T10:00:00.000', '2026-01-15 10:00Z', '2026-01-15T10Z'])
			expect(parseCityDate(bad, false, TZ), bad).toBeNull();
	});

	it('refuses a date-time whose date is not on the calendar', () => {
		// The plain date 2026-02-30 is refused; with a time it must be too (not read as 2 March).
		expect(iso(parseCityDate('2026-02-30T10:00:00Z', false, TZ))).toBeNull();
		expect(iso(parseCityDate('2026-02-29T10:00:00-08:00', false, TZ))).toBeNull();
	});
});

describe('parseDateRange', () => {
	const rules: RangeRules = { defaultDays: 30, maxDays: null };
	const parse = (query: string, r: RangeRules = rules) => parseDateRange(new URLSearchParams(query), NOW, TZ, r);
	const value = (query: string, r: RangeRules = rules) => {
		const p = parse(query, r);
		if (!p.ok) throw new Error(p.reason);
		return { start: iso(p.value.start), end: iso(p.value.end), serviceCodes: p.value.serviceCodes };
	};
	const reason = (query: string, r: RangeRules = rules) => {
		const p = parse(query, r);
		return p.ok ? null : p.reason;
	};

	it('defaults to the last `defaultDays` days up to now, all service types', () => {
		expect(value('')).toEqual({ start: new Date(+NOW - 30 * DAY).toISOString(), end: NOW.toISOString(), serviceCodes: null });
		expect(value('start_date=&end_date=')).toEqual(value(''));
		// No default length: from the first request on record.
		expect(value('', { defaultDays: null, maxDays: null })).toEqual({ start: '1970-01-01T00:00:00.000Z', end: NOW.toISOString(), serviceCodes: null });
	});

	it('takes whole city days: the start day from its midnight, the end day to its last millisecond', () => {
		expect(value('start_date=2026-01-01&end_date=2026-01-31')).toEqual({ start: '2026-01-01T08:00:00.000Z', end: '2026-02-01T07:59:59.999Z', serviceCodes: null });
		// A one-day range.
		expect(value('start_date=2026-07-04&end_date=2026-07-04')).toMatchObject({ start: '2026-07-04T07:00:00.000Z', end: '2026-07-05T06:59:59.999Z' });
		// Only an end: `defaultDays` before it. Only a start: up to now.
		expect(value('end_date=2026-01-31')).toMatchObject({ start: new Date(Date.parse('2026-02-01T08:00:00Z') - 1 - 30 * DAY).toISOString(), end: '2026-02-01T07:59:59.999Z' });
		expect(value('start_date=2026-06-01')).toMatchObject({ start: '2026-06-01T07:00:00.000Z', end: NOW.toISOString() });
	});

	it('says which date is wrong', () => {
		expect(reason('start_date=2026-02-30')).toMatch(/^start_date "2026-02-30" is not a date/);
		expect(reason('end_date=31.01.2026')).toMatch(/^end_date "31\.01\.2026" is not a date/);
		expect(reason('start_date=2026-01-15T10:00')).toMatch(/start_date/);
	});

	it('refuses a start after the end', () => {
		expect(reason('start_date=2026-02-01&end_date=2026-01-31')).toBe('start_date is after end_date');
		expect(reason('start_date=2026-07-01')).toBe('start_date is after end_date'); // after now
		expect(reason('start_date=2026-01-31T10:00:00Z&end_date=2026-01-31T09:59:59Z')).toBe('start_date is after end_date');
	});

	it('refuses a range longer than `maxDays`, saying how long it may be', () => {
		const year: RangeRules = { defaultDays: 30, maxDays: 366 };
		expect(parse('start_date=2026-01-01&end_date=2026-12-31', year).ok).toBe(true);
		expect(parse('start_date=2028-01-01&end_date=2028-12-31', year).ok).toBe(true); // a leap year: 366 days
		expect(parse('start_date=2026-01-01&end_date=2027-01-01', year).ok).toBe(true); // 366 days
		expect(reason('start_date=2026-01-01&end_date=2027-01-02', year)).toMatch(/at most 366 days/);
		expect(reason('start_date=2015-01-01&end_date=2026-12-31', year)).toMatch(/at most 366 days/);
		// Without a start, `defaultDays` applies; without a limit, anything goes.
		expect(parse('', year).ok).toBe(true);
		expect(parse('start_date=2015-01-01&end_date=2026-12-31').ok).toBe(true);
	});

	it('allows `maxDays` city days whatever the daylight-saving changes in between', () => {
		// 2026-03-09 (summer time) to 2027-03-09 (winter time) is 366 city days; the end day's midnight is an hour later in UTC.
		expect.soft(parse('start_date=2026-03-09&end_date=2027-03-09', { defaultDays: 30, maxDays: 366 })).toMatchObject({ ok: true });
		// 2026-11-01, the day the clocks go back, is a single city day (of 25 hours).
		expect.soft(parse('start_date=2026-11-01&end_date=2026-11-01', { defaultDays: 30, maxDays: 1 })).toMatchObject({ ok: true });
	});

	it('reads service codes from a comma-separated list or the repeated parameter', () => {
		expect(value('service_code=pothole,graffiti').serviceCodes).toEqual(['pothole', 'graffiti']);
		expect(value('service_code=pothole&service_code=graffiti,streetlight').serviceCodes).toEqual(['pothole', 'graffiti', 'streetlight']);
		expect(value('service_code=' + encodeURIComponent(' pothole , pothole,,graffiti ')).serviceCodes).toEqual(['pothole', 'graffiti']);
		expect(value('start_date=2026-01-01').serviceCodes).toBeNull();
	});

	it('refuses an empty service_code instead of reporting on every type', () => {
		expect(reason('service_code=')).toBe('service_code is empty');
		expect(reason('service_code=,,')).toBe('service_code is empty');
		expect(reason('service_code=&service_code=%20')).toBe('service_code is empty');
	});
});

describe('parseReportQuery', () => {
	const parse = (query: string) => parseReportQuery(new URLSearchParams(query), NOW, TZ);
	const value = (query: string) => {
		const p = parse(query);
		if (!p.ok) throw new Error(p.reason);
		return { start: iso(p.value.start), end: iso(p.value.end), serviceCodes: p.value.serviceCodes, period: p.value.period };
	};
	const reason = (query: string) => {
		const p = parse(query);
		return p.ok ? null : p.reason;
	};

	it('opens on the last 365 days, by month', () => {
		expect(value('')).toEqual({ start: new Date(+NOW - 365 * DAY).toISOString(), end: NOW.toISOString(), serviceCodes: null, period: 'month' });
	});

	it('range=all covers everything on record, by month unless asked otherwise', () => {
		expect(value('range=all')).toEqual({ start: '1970-01-01T00:00:00.000Z', end: NOW.toISOString(), serviceCodes: null, period: 'month' });
		expect(value('range=all&period=week').period).toBe('week');
		expect(value('range=all&service_code=pothole').serviceCodes).toEqual(['pothole']);
	});

	it('refuses an unknown range', () => {
		expect(reason('range=year')).toMatch(/^range "year" is not known/);
		expect(reason('range=')).toMatch(/^range "" is not known/);
	});

	it('defaults to weeks for up to 184 days and to months beyond', () => {
		expect(value('start_date=2026-01-01&end_date=2026-01-31').period).toBe('week');
		// 2026-04-01 to 2026-10-01 is 184 days; one more day makes 185.
		expect(value('start_date=2026-04-01&end_date=2026-10-01').period).toBe('week');
		expect(value('start_date=2026-04-01&end_date=2026-10-02').period).toBe('month');
		expect(value('start_date=2025-01-01&end_date=2026-01-01').period).toBe('month');
	});

	it('defaults to weeks for 184 city days across the autumn clock change too', () => {
		// 2026-06-01 to 2026-12-01 is 184 days, like April to October above.
		expect(value('start_date=2026-06-01&end_date=2026-12-01').period).toBe('week');
	});

	it('takes the period asked for, and refuses an unknown one', () => {
		expect(value('start_date=2026-01-01&end_date=2026-01-31&period=month').period).toBe('month');
		expect(value('start_date=2025-01-01&end_date=2026-01-01&period=week').period).toBe('week');
		expect(value('start_date=2026-01-01&end_date=2026-01-31&period=').period).toBe('week');
		expect(reason('period=day')).toBe('period "day" is not known: use week or month');
		expect(reason('period=Week')).toMatch(/^period "Week" is not known/);
	});

	it("passes on the date range's refusals", () => {
		expect(reason('start_date=2026-02-30')).toMatch(/^start_date "2026-02-30"/);
		expect(reason('start_date=2026-02-01&end_date=2026-01-31')).toBe('start_date is after end_date');
		expect(reason('service_code=')).toBe('service_code is empty');
	});
});
