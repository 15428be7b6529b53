import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import {
	CASE_FLAGS,
	normaliseZip,
	parseSf311Csv,
	parseSfTime,
	sfLocalToIso,
	streamSf311Csv,
	type Sf311ParseResult
} from '../../../src/lib/server/seed/sf311-csv';

const CSV_PATH = new URL('../../../seed/sf311/sf311_cases_sample_2008-2016.csv', import.meta.url);
const CSV_TEXT = readFileSync(CSV_PATH, 'utf8');
/** The file's physical lines (records end with CRLF; a few quoted notes hold bare LF). lines[0] is line 1. */
const RECORD_LINES = CSV_TEXT.split('\r\n');

let real: Sf311ParseResult;
beforeAll(async () => {
	real = await parseSf311Csv(CSV_TEXT);
});

/** Physical line (1-based) a record starting with `<rowIndex>,<caseId>,` starts on, found by a plain text scan. */
function lineOfCase(caseId: string): number {
	const lines = CSV_TEXT.split('\n');
	const at = lines.findIndex((l) => new RegExp(`^\\d+,${caseId},`).test(l));
	return at + 1;
}

describe('parseSf311Csv on the real sample', () => {
	it('reads all 4,984 rows without an error', () => {
		expect(real.errors).toEqual([]);
		expect(real.rows).toHaveLength(4984);
		expect(new Set(real.rows.map((r) => r.case_id)).size).toBe(4984);
		expect(real.rows.filter((r) => r.status === 'closed')).toHaveLength(4762);
		expect(real.rows.filter((r) => r.status === 'open')).toHaveLength(222);
	});

	it('reports the physical line each record starts on, counting newlines inside quoted notes', () => {
		expect(real.rows[0]!.line).toBe(2);
		expect(real.rows.at(-1)!.line).toBe(5082); // 4,985 records on 5,082 lines
		for (const id of ['3073020', '3450157', '3118839', '1757188']) {
			expect(real.rows.find((r) => r.case_id === id)!.line).toBe(lineOfCase(id));
		}
	});

	it('flags the 55 closed cases whose Closed time is before Opened, and keeps them', () => {
		const flagged = real.rows.filter((r) => r.flags.includes(CASE_FLAGS.closedBeforeOpened));
		expect(flagged).toHaveLength(55);
		for (const r of flagged) {
			expect(r.status).toBe('closed');
			expect(Date.parse(r.closed!)).toBeLessThan(Date.parse(r.opened));
		}
	});

	it('turns "NA" into null and keeps text as written', () => {
		const first = real.rows.find((r) => r.case_id === '1757188')!;
		expect(first).toMatchObject({
			opened: '2012-12-04T15:21:00-08:00',
			closed: '2012-12-06T04:39:00-08:00',
			updated: '2012-12-06T04:39:00-08:00',
			status: 'closed',
			status_notes: null,
			media_url: null,
			agency: 'DPW BSM Queue',
			category: 'Street Defects',
			request_type: 'Utility_Excavation',
			address: '2820 GREENWICH ST, SAN FRANCISCO, CA, 94123',
			supervisor_district: '2',
			neighborhood: 'Marina',
			source: 'Voice In',
			lat: 37.797838468,
			long: -122.446243791,
			zip: '94123',
			flags: []
		});
		const open = real.rows.filter((r) => r.status === 'open');
		expect(open.every((r) => r.closed === null)).toBe(true);
	});

	it('converts San Francisco wall-clock to ISO with the DST-correct offset, no milliseconds', () => {
		// Summer (PDT, -07:00) and winter (PST, -08:00) cases from the file.
		expect(real.rows.find((r) => r.case_id === '3943486')!.opened).toBe('2014-08-23T05:32:13-07:00');
		expect(real.rows.find((r) => r.case_id === '1834805')!.opened).toBe('2012-12-30T08:39:28-08:00');
		for (const r of real.rows) expect(r.opened).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[78]:00$/);
	});

	it('normalises messy Zip cells and flags them', () => {
		const cleaned = real.rows.filter((r) => r.flags.includes(CASE_FLAGS.zipCleaned));
		expect(cleaned).toHaveLength(24);
		for (const r of real.rows) if (r.zip !== null) expect(r.zip).toMatch(/^\d{5}(-\d{4})?$/);
	});

	it('reads LF-only and all-CRLF versions of the file identically', async () => {
		const lf = await parseSf311Csv(CSV_TEXT.replace(/\r\n/g, '\n'));
		expect(lf).toEqual(real);
		// CRLF everywhere, also inside quoted notes (csv-parse alone would count those as two lines).
		const crlf = await parseSf311Csv(CSV_TEXT.replace(/\r?\n/g, '\r\n'));
		expect(crlf.errors).toEqual([]);
		expect(crlf.rows.map((r) => r.line)).toEqual(real.rows.map((r) => r.line));
	});

	it('reads a file stream in small chunks like the string', async () => {
		const streamed = await parseSf311Csv(createReadStream(CSV_PATH, { highWaterMark: 997 }));
		expect(streamed).toEqual(real);
	});
});

describe('parseSfTime', () => {
	it('uses -08:00 in winter and -07:00 in summer', () => {
		expect(sfLocalToIso('2012-12-04 15:21:00')).toBe('2012-12-04T15:21:00-08:00');
		expect(sfLocalToIso('2014-07-04 15:21:00')).toBe('2014-07-04T15:21:00-07:00');
	});

	it('switches at 2 a.m. on the DST days', () => {
		expect(sfLocalToIso('2014-03-09 01:59:59')).toBe('2014-03-09T01:59:59-08:00');
		expect(sfLocalToIso('2014-03-09 03:00:00')).toBe('2014-03-09T03:00:00-07:00');
		expect(sfLocalToIso('2014-11-02 03:00:00')).toBe('2014-11-02T03:00:00-08:00');
		// A time that does not exist moves forward an hour and says so.
		expect(parseSfTime('2014-03-09 02:30:00')).toEqual({ iso: '2014-03-09T03:30:00-07:00', inDstGap: true });
		expect(parseSfTime('2014-03-09 03:30:00')).toEqual({ iso: '2014-03-09T03:30:00-07:00', inDstGap: false });
	});

	it('reads the Updated layout and ISO values with an offset', () => {
		expect(sfLocalToIso('12/06/2012 04:39:00 AM')).toBe('2012-12-06T04:39:00-08:00');
		expect(sfLocalToIso('12/06/2012 12:05:00 AM')).toBe('2012-12-06T00:05:00-08:00');
		expect(sfLocalToIso('07/01/2013 12:05:00 PM')).toBe('2013-07-01T12:05:00-07:00');
		expect(sfLocalToIso('2016-01-27T15:37:32.000')).toBe('2016-01-27T15:37:32-08:00');
		expect(sfLocalToIso('2016-01-27T23:37:32Z')).toBe('2016-01-27T15:37:32-08:00');
	});

	it('rejects impossible or unknown values', () => {
		for (const bad of ['2013-02-30 10:00:00', '2013-13-01 10:00:00', '2013-01-01 24:00:00', '13/01/2013 01:00:00 PM', 'yesterday', '', '1899-01-01 10:00:00', '2013-01-01 10:00:00 junk']) {
			expect(parseSfTime(bad), bad).toBeNull();
		}
	});
});

describe('normaliseZip', () => {
	it('keeps clean ZIPs, extracts a 9xxxx ZIP, else takes the address ZIP', () => {
		expect(normaliseZip('94118-1316', null)).toBe('94118-1316');
		expect(normaliseZip('CA 94133', null)).toBe('94133');
		expect(normaliseZip('CA94107', null)).toBe('94107');
		expect(normaliseZip('94014; 94112', null)).toBe('94014');
		expect(normaliseZip('9412', '1 MAIN ST, SAN FRANCISCO, CA, 94131')).toBe('94131');
		expect(normaliseZip('941234', 'Intersection of BAY ST and FRANKLIN ST')).toBeNull();
		expect(normaliseZip(null, null)).toBeNull();
	});
});

describe('parseSf311Csv on broken input', () => {
	/** The header and the first 14 records of the real file (lines 1..15: none of them spans two lines). */
	const head = RECORD_LINES.slice(0, 15);

	it('reports a bad Lat, a missing Opened, a duplicate CaseID and a stray quote by line, keeping the good rows', async () => {
		const lines = [...head];
		lines[2] = lines[2]!.replace('37.780122585,-122.4722852', 'abc,-122.4722852'); // line 3
		lines[4] = lines[4]!.replace('2013-07-26 09:57:04', 'NA'); // line 5
		lines[6] = lines[6]!.replace(/^(\d+),\d+,/, '$1,1757188,'); // line 7 repeats line 2's CaseID
		lines[9] = lines[9]!.replace(',Closed,NA,', ',Closed,"NA,'); // line 10: quote never closed in its field
		expect(lines.filter((l, i) => l !== head[i])).toHaveLength(4); // every corruption applied

		const { rows, errors } = await parseSf311Csv(`${lines.join('\r\n')}\r\n`);
		expect(errors.map((e) => e.line)).toEqual([3, 5, 7, 10]);
		expect(errors[0]!.reason).toBe('CaseID 1834805: Lat "abc" is not a number');
		expect(errors[1]!.reason).toBe('CaseID 2643949: Opened is empty or "NA"');
		expect(errors[2]!.reason).toMatch(/CaseID 1757188: duplicate \(first seen on line 2\)/);
		expect(errors[3]!.reason).toMatch(/quote/);
		expect(rows.map((r) => r.line)).toEqual([2, 4, 6, 8, 9, 11, 12, 13, 14, 15]);
		expect(rows[0]!.case_id).toBe('1757188');
	});

	it('reports a quote left open at the end of the file on the line it opened, keeping the rows before', async () => {
		const text = `${head.slice(0, 4).join('\n')}\n9,123,"2013-01-01 10:00:00,NA\n10,456,2013-01-01\n`;
		const { rows, errors } = await parseSf311Csv(text);
		expect(rows.map((r) => r.line)).toEqual([2, 3, 4]);
		expect(errors).toHaveLength(1);
		expect(errors[0]!.line).toBe(5);
		expect(errors[0]!.reason).toMatch(/unterminated quote/);
	});

	it('reports records with the wrong number of fields, and counts blank lines', async () => {
		const text = [head[0], head[1], '1,2', head[2], '', '', head[3]].join('\n');
		const { rows, errors } = await parseSf311Csv(text);
		expect(rows.map((r) => r.line)).toEqual([2, 4, 7]);
		expect(errors).toEqual([{ line: 3, reason: 'wrong number of fields: 2 where the header has 28 (a stray comma or quote?)' }]);
	});

	it('explains several problems of one row at once, with out-of-town coordinates', async () => {
		const bad = head[1]!.replace(',Closed,', ',Pending,').replace('37.797838468,-122.446243791', '0,0');
		const { rows, errors } = await parseSf311Csv([head[0], bad].join('\n'));
		expect(rows).toEqual([]);
		expect(errors).toEqual([
			{
				line: 2,
				reason:
					'CaseID 1757188: Status "Pending" is neither "Open" nor "Closed"; Lat 0 is outside San Francisco (37.6..37.9); Long 0 is outside San Francisco (-122.6..-122.3)'
			}
		]);
	});

	it('gives one clear error for a file missing a required column', async () => {
		const text = head.map((l, i) => (i === 0 ? l.replace(',Lat,', ',Latitude,') : l)).join('\r\n');
		const { rows, errors } = await parseSf311Csv(text);
		expect(rows).toEqual([]);
		expect(errors).toHaveLength(1);
		expect(errors[0]!.line).toBe(1);
		expect(errors[0]!.reason).toMatch(/^not an SF 311 export: missing required column "Lat"/);
	});

	it('gives one error for an empty file, and none for a header without rows', async () => {
		for (const empty of ['', '\r\n\r\n', '\n']) {
			const { rows, errors } = await parseSf311Csv(empty);
			expect(rows).toEqual([]);
			expect(errors).toHaveLength(1);
			expect(errors[0]!.reason).toMatch(/^empty file/);
		}
		expect(await parseSf311Csv(`${head[0]}\r\n`)).toEqual({ rows: [], errors: [] });
	});

	it('reads only the columns it knows, in any order, and treats missing optional ones as NA', async () => {
		const text = ['Lat,Long,CaseID,Category,Responsible.Agency,Status,Closed,Opened,Extra', '37.78,-122.41,42,Streetlights,PUC Streetlights Queue,Open,NA,2015-06-01 08:00:00,x'].join('\n');
		const { rows, errors } = await parseSf311Csv(text);
		expect(errors).toEqual([]);
		expect(rows[0]).toMatchObject({ case_id: '42', opened: '2015-06-01T08:00:00-07:00', status: 'open', request_type: null, updated: null, zip: null });
	});

	it('handles a BOM and multi-byte characters split across stream chunks', async () => {
		const row = head[2]!.replace('Case Resolved -', 'Case Resolved - café ☕');
		const bytes = Buffer.from(`\uFEFF${[head[0], head[1], row].join('\r\n')}`, 'utf8');
		const oneByteChunks = Readable.from((function* () {
			for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
		})());
		const { rows, errors } = await parseSf311Csv(oneByteChunks);
		expect(errors).toEqual([]);
		expect(rows.map((r) => r.line)).toEqual([2, 3]);
		expect(rows[1]!.status_notes).toBe('Case Resolved - café ☕');
	});

	it('throws errors of the input stream itself instead of reporting them as bad rows', async () => {
		async function* failing() {
			yield head.slice(0, 3).join('\n');
			throw new Error('disk gone');
		}
		await expect(parseSf311Csv(failing())).rejects.toThrow('disk gone');
	});

	it('streams rows and errors in line order', async () => {
		const lines = [...head.slice(0, 6)];
		lines[4] = '1,2';
		const kinds: string[] = [];
		for await (const event of streamSf311Csv(lines.join('\n'))) {
			kinds.push(`${event.kind}:${event.kind === 'row' ? event.row.line : event.error.line}`);
		}
		expect(kinds).toEqual(['row:2', 'row:3', 'row:4', 'error:5', 'row:6']);
	});
});
