/**
 * Parser for the San Francisco 311 case export (DataSF "Case Data from San Francisco 311", the columns of
 * seed/sf311/sf311_cases_sample_2008-2016.csv). Pure: no store, no wall clock. Used by the demo seed and by
 * the import CLI, which feeds it a full city export "in the same columns" — possibly millions of rows, so
 * `streamSf311Csv` yields rows and errors as it reads; `parseSf311Csv` collects them.
 *
 * Contract: a bad row never stops the import. It is reported as { line, reason } with the physical CSV line
 * the record starts on (1 = the header line, embedded newlines in quoted fields counted) and skipped; good rows
 * are kept. Only a file that cannot be an SF 311 export at all (empty, or missing a required column) gives a
 * single error and no rows.
 */
import { Readable, pipeline } from 'node:stream';
import { TZDate } from '@date-fns/tz';
import { parse as parseCsv, type CsvError, type Info } from 'csv-parse';
import { format, isValid, parseISO } from 'date-fns';
import { z } from 'zod';
import { formatCityIso, ISO_SECONDS_OFFSET } from '../../domain/time';

/** San Francisco wall-clock: every time in the export is local, without a zone. */
export const SF_TIME_ZONE = 'America/Los_Angeles';

/** The export's spelling of a missing value. Empty cells mean the same. */
export const NA = 'NA';

/** Columns without which a row cannot become a work order: a file missing one is rejected as a whole. */
export const SF311_REQUIRED_COLUMNS = [
	'CaseID',
	'Opened',
	'Closed',
	'Status',
	'Responsible.Agency',
	'Category',
	'Lat',
	'Long'
] as const;

/** Columns we read when present; a missing one reads as "NA" on every row. Other columns are ignored. */
export const SF311_OPTIONAL_COLUMNS = [
	'Updated',
	'Status.Notes',
	'Request.Type',
	'Request.Details',
	'Address',
	'Supervisor.District',
	'Neighborhood',
	'Source',
	'Media.URL',
	'Zip'
] as const;

type Sf311Column = (typeof SF311_REQUIRED_COLUMNS)[number] | (typeof SF311_OPTIONAL_COLUMNS)[number];
const KNOWN_COLUMNS: readonly Sf311Column[] = [...SF311_REQUIRED_COLUMNS, ...SF311_OPTIONAL_COLUMNS];

/**
 * Plausible coordinates for a San Francisco case: the city and county (37.708..37.832 N, -122.515..-122.357 E,
 * Treasure Island included) with a margin of a few kilometres. Lat/Long of 0, swapped, or from another city fail.
 */
export const SF_PLAUSIBLE_BOUNDS = { south: 37.6, north: 37.9, west: -122.6, east: -122.3 } as const;

/** Guard against a stray quote swallowing the rest of a huge export into one field (memory). */
export const MAX_RECORD_CHARS = 100_000; // characters; the longest real record is about 1,600
const MAX_VALUE_IN_REASON = 60; // characters of a bad value quoted back in an error reason

/** Data-quality flags a parsed case can carry (kept on the work order, never hidden). */
export const CASE_FLAGS = {
	/** Closed earlier than Opened: 55 real cases in the sample. Kept as they are. */
	closedBeforeOpened: 'closed_before_opened',
	/** Status Closed but no Closed time. */
	closedTimeMissing: 'closed_time_missing',
	/** Status Open but a Closed time is given. */
	openWithClosedTime: 'open_with_closed_time',
	/** A local time that does not exist (the spring-forward hour); moved forward by the DST gap. */
	localTimeInDstGap: 'local_time_in_dst_gap',
	/** The Zip cell was not a plain ZIP code ("CA 94133", "94014; 94112", "9412"): normalised. */
	zipCleaned: 'zip_cleaned',
	/** Media.URL was not an http(s) URL and was dropped. */
	mediaUrlDropped: 'media_url_dropped'
} as const;

// ---------------------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------------------

const ISO_SECONDS = ISO_SECONDS_OFFSET;

/** Zone-less layouts seen in SF 311 exports: "2012-12-04 15:21:00" (Opened, Closed; newer exports use "T" and
 *  milliseconds) and "12/06/2012 04:39:00 AM" (Updated). */
const ISO_LOCAL = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;
const US_LOCAL = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)$/i;
/** A time that carries its own offset is taken as it is. */
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const MIN_YEAR = 1990; // SF311 opened in 2007; older years are typos
const MAX_YEAR = 2100;

export interface SfTime {
	/** ISO 8601 with the San Francisco offset, whole seconds: "2012-12-04T15:21:00-08:00". */
	iso: string;
	/** The wall-clock time does not exist (spring-forward hour) and was moved forward by an hour. */
	inDstGap: boolean;
}

interface WallClock {
	year: number;
	month: number; // 1..12
	day: number;
	hour: number; // 0..23
	minute: number;
	second: number;
}

function readWallClock(text: string): WallClock | null {
	const iso = ISO_LOCAL.exec(text);
	if (iso) {
		const [, y, mo, d, h, mi, sec] = iso;
		return { year: +y!, month: +mo!, day: +d!, hour: +h!, minute: +mi!, second: sec === undefined ? 0 : +sec };
	}
	const us = US_LOCAL.exec(text);
	if (us) {
		const [, mo, d, y, h, mi, sec, half] = us;
		const hour12 = +h!;
		if (hour12 < 1 || hour12 > 12) return null;
		const pm = half!.toUpperCase() === 'PM';
		const hour = (hour12 % 12) + (pm ? 12 : 0);
		return { year: +y!, month: +mo!, day: +d!, hour, minute: +mi!, second: sec === undefined ? 0 : +sec };
	}
	return null;
}

function validWallClock(w: WallClock): boolean {
	if (w.year < MIN_YEAR || w.year > MAX_YEAR || w.month < 1 || w.month > 12) return false;
	if (w.hour > 23 || w.minute > 59 || w.second > 59) return false;
	// Day 1..length of that month (a plain UTC calendar check: no zone involved).
	const probe = new Date(Date.UTC(w.year, w.month - 1, w.day));
	return w.day >= 1 && probe.getUTCMonth() === w.month - 1;
}

/**
 * Reads an SF 311 time. Zone-less values are San Francisco wall-clock with the DST-correct offset from the tz
 * database (TZDate); an ambiguous fall-back hour resolves to the first (daylight) occurrence, a time inside the
 * spring-forward gap moves forward an hour and is reported. Null when unreadable or implausible.
 */
export function parseSfTime(value: string): SfTime | null {
	const text = value.trim();
	if (WITH_OFFSET.test(text)) {
		const instant = parseISO(text);
		if (!isValid(instant)) return null;
		const year = new TZDate(+instant, SF_TIME_ZONE).getFullYear();
		return year >= MIN_YEAR && year <= MAX_YEAR ? { iso: formatSfIso(instant), inDstGap: false } : null;
	}
	const w = readWallClock(text);
	if (w === null || !validWallClock(w)) return null;
	const local = new TZDate(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, SF_TIME_ZONE);
	return {
		iso: format(local, ISO_SECONDS),
		inDstGap: local.getHours() !== w.hour || local.getMinutes() !== w.minute
	};
}

/** "2012-12-04 15:21:00" (San Francisco local) -> "2012-12-04T15:21:00-08:00"; null when unreadable. */
export function sfLocalToIso(value: string): string | null {
	return parseSfTime(value)?.iso ?? null;
}

/** Any instant as ISO 8601 in San Francisco time with its offset, without milliseconds. */
export function formatSfIso(instant: Date | number | string): string {
	return formatCityIso(instant, SF_TIME_ZONE);
}

// ---------------------------------------------------------------------------------------------------------
// Row schema
// ---------------------------------------------------------------------------------------------------------

/** "NA", empty and blank cells are null; everything else is trimmed. */
export function naToNull(value: string | undefined): string | null {
	const text = value?.trim() ?? '';
	return text === '' || text === NA ? null : text;
}

const quote = (value: string) =>
	JSON.stringify(value.length > MAX_VALUE_IN_REASON ? `${value.slice(0, MAX_VALUE_IN_REASON)}…` : value);

type Ctx = z.core.$RefinementCtx;
function problem(ctx: Ctx, value: string | undefined, message: string): never {
	ctx.issues.push({ code: 'custom', message, input: value });
	return z.NEVER;
}

const optionalText = z.string().optional().transform(naToNull);

const requiredText = z
	.string()
	.optional()
	.transform((v, ctx) => naToNull(v) ?? problem(ctx, v, 'is empty or "NA"'));

const caseIdCell = requiredText.transform((v, ctx) =>
	/^\d{1,15}$/.test(v) ? v.replace(/^0+(?=\d)/, '') : problem(ctx, v, `${quote(v)} is not a whole number`)
);

const requiredTime = requiredText.transform(
	(v, ctx) =>
		parseSfTime(v) ??
		problem(ctx, v, `${quote(v)} is not a date-time (expected "yyyy-MM-dd HH:mm:ss", San Francisco local time)`)
);

const optionalTime = optionalText.transform((v, ctx): SfTime | null =>
	v === null ? null : (parseSfTime(v) ?? problem(ctx, v, `${quote(v)} is not a date-time`))
);

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const coordinate = (min: number, max: number) =>
	requiredText.transform((v, ctx) => {
		const n = DECIMAL.test(v) ? Number(v) : Number.NaN;
		if (!Number.isFinite(n)) return problem(ctx, v, `${quote(v)} is not a number`);
		if (n < min || n > max) return problem(ctx, v, `${v} is outside San Francisco (${min}..${max})`);
		return n;
	});

const statusCell = requiredText.transform((v, ctx) => {
	const s = v.toLowerCase();
	return s === 'open' || s === 'closed' ? s : problem(ctx, v, `${quote(v)} is neither "Open" nor "Closed"`);
});

const ZIP = /^\d{5}(-\d{4})?$/;
const ZIP_INSIDE = /(?<!\d)(9\d{4})(?!\d)/; // California ZIPs start with 9
const ZIP_AT_ADDRESS_END = /(?<!\d)(9\d{4})\s*$/;

/** The Zip column as a ZIP code: kept when clean, else the first 9xxxx in it, else the one ending the address. */
export function normaliseZip(zip: string | null, address: string | null): string | null {
	if (zip !== null && ZIP.test(zip)) return zip;
	return zip?.match(ZIP_INSIDE)?.[1] ?? address?.match(ZIP_AT_ADDRESS_END)?.[1] ?? null;
}

function httpUrl(value: string | null): string | null {
	if (value === null) return null;
	try {
		const url = new URL(value);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
	} catch {
		return null; // not a URL at all: dropped and flagged by the caller
	}
}

/** One CSV record (column name -> cell) -> a validated case. Error paths are the CSV column names. */
export const sf311RowSchema = z
	.object({
		CaseID: caseIdCell,
		Opened: requiredTime,
		Closed: optionalTime,
		Updated: optionalTime,
		Status: statusCell,
		'Status.Notes': optionalText,
		'Responsible.Agency': requiredText,
		Category: requiredText,
		'Request.Type': optionalText,
		'Request.Details': optionalText,
		Address: optionalText,
		'Supervisor.District': optionalText,
		Neighborhood: optionalText,
		Source: optionalText,
		'Media.URL': optionalText,
		Lat: coordinate(SF_PLAUSIBLE_BOUNDS.south, SF_PLAUSIBLE_BOUNDS.north),
		Long: coordinate(SF_PLAUSIBLE_BOUNDS.west, SF_PLAUSIBLE_BOUNDS.east)
		// Zip is read separately (it needs the address): see `toCase`.
	})
	.transform((r) => {
		const flags: string[] = [];
		const closed = r.Closed?.iso ?? null;
		if (closed !== null && Date.parse(closed) < Date.parse(r.Opened.iso)) flags.push(CASE_FLAGS.closedBeforeOpened);
		if (r.Status === 'closed' && closed === null) flags.push(CASE_FLAGS.closedTimeMissing);
		if (r.Status === 'open' && closed !== null) flags.push(CASE_FLAGS.openWithClosedTime);
		if (r.Opened.inDstGap || r.Closed?.inDstGap || r.Updated?.inDstGap) flags.push(CASE_FLAGS.localTimeInDstGap);
		const mediaUrl = httpUrl(r['Media.URL']);
		if (r['Media.URL'] !== null && mediaUrl === null) flags.push(CASE_FLAGS.mediaUrlDropped);
		return {
			case_id: r.CaseID,
			opened: r.Opened.iso,
			closed,
			updated: r.Updated?.iso ?? null,
			status: r.Status,
			status_notes: r['Status.Notes'],
			/** Raw queue name ("DPW Ops Queue"); see departments.ts for the normalised department. */
			agency: r['Responsible.Agency'],
			category: r.Category,
			request_type: r['Request.Type'],
			request_details: r['Request.Details'],
			address: r.Address,
			supervisor_district: r['Supervisor.District'],
			neighborhood: r.Neighborhood,
			source: r.Source,
			media_url: mediaUrl,
			lat: r.Lat,
			long: r.Long,
			flags
		};
	});

/** A validated SF 311 case: times are ISO 8601 with the San Francisco offset, "NA" is null. */
export type Sf311Case = z.output<typeof sf311RowSchema> & {
	/** ZIP code, normalised (see `normaliseZip`). */
	zip: string | null;
	/** Physical CSV line the record starts on (1 = header). */
	line: number;
};

export interface Sf311RowError {
	/** Physical CSV line the bad record starts on (1 = header). */
	line: number;
	reason: string;
}

export interface Sf311ParseResult {
	rows: Sf311Case[];
	errors: Sf311RowError[];
}

export type Sf311ParseEvent = { kind: 'row'; row: Sf311Case } | { kind: 'error'; error: Sf311RowError };

export type Sf311Input = string | Uint8Array | NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>;

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
	return issues
		.map((issue) => {
			const column = issue.path.length > 0 ? String(issue.path[0]) : 'row';
			return `${column} ${issue.message}`;
		})
		.join('; ');
}

function toCase(record: Readonly<Record<string, string>>, line: number): Sf311Case | Sf311RowError {
	const parsed = sf311RowSchema.safeParse(record);
	if (!parsed.success) {
		const id = naToNull(record.CaseID);
		return { line, reason: `${id !== null ? `CaseID ${id}: ` : ''}${describeIssues(parsed.error.issues)}` };
	}
	const rawZip = naToNull(record.Zip);
	const zip = normaliseZip(rawZip, parsed.data.address);
	const flags = rawZip !== null && zip !== rawZip ? [...parsed.data.flags, CASE_FLAGS.zipCleaned] : parsed.data.flags;
	return { ...parsed.data, zip, flags, line };
}

// ---------------------------------------------------------------------------------------------------------
// CSV reading
// ---------------------------------------------------------------------------------------------------------

/** Input as text chunks, UTF-8 decoded across chunk boundaries. */
async function* textChunks(input: Sf311Input): AsyncGenerator<string> {
	if (typeof input === 'string') {
		yield input;
		return;
	}
	const decoder = new TextDecoder('utf-8');
	if (input instanceof Uint8Array) {
		yield decoder.decode(input);
		return;
	}
	for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
		yield typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
	}
	const tail = decoder.decode();
	if (tail) yield tail;
}

/**
 * CRLF and lone CR -> LF before csv-parse sees the text. csv-parse counts a CR LF pair inside a quoted field
 * as two lines, which would shift every later line number in a CRLF file; with LF only its count is exact.
 * (It also turns CRLF inside quoted notes into LF, which is what we want in stored text anyway.)
 */
async function* lfOnly(chunks: AsyncIterable<string>): AsyncGenerator<string> {
	let pendingCr = false;
	for await (let chunk of chunks) {
		if (pendingCr) chunk = `\r${chunk}`;
		pendingCr = chunk.endsWith('\r');
		if (pendingCr) chunk = chunk.slice(0, -1);
		if (chunk) yield chunk.replace(/\r\n?/g, '\n');
	}
	if (pendingCr) yield '\n';
}

/**
 * First physical line of a record. `info.lines` is the line the record ends on; `raw` is its text including
 * skipped blank lines before it and its record delimiter, so the record spans (newlines in the trimmed raw) lines.
 */
function startLine(endLine: number, raw: string | undefined): number {
	if (raw === undefined) return endLine;
	const body = raw.replace(/^\n+/, '').replace(/\n$/, '');
	let breaks = 0;
	for (const ch of body) if (ch === '\n') breaks++;
	return Math.max(1, endLine - breaks);
}

function csvErrorReason(err: CsvError | undefined): string {
	switch (err?.code) {
		case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
		case 'CSV_RECORD_INCONSISTENT_COLUMNS': {
			const [, expected, got] = /(\d+), got (\d+)/.exec(err.message) ?? [];
			return expected
				? `wrong number of fields: ${got} where the header has ${expected} (a stray comma or quote?)`
				: `wrong number of fields (${err.message})`;
		}
		case 'CSV_QUOTE_NOT_CLOSED':
			return 'unterminated quote: a quoted field opened on this line is never closed (the rest of the file was read into it)';
		case 'CSV_INVALID_CLOSING_QUOTE':
			return 'unterminated or stray quote: text follows a closing quote inside a field';
		case 'INVALID_OPENING_QUOTE':
			return 'stray quote inside an unquoted field';
		case 'CSV_MAX_RECORD_SIZE':
			return `record longer than ${MAX_RECORD_CHARS} characters (an unterminated quote?)`;
		default:
			return `unreadable CSV record${err ? `: ${err.message}` : ''}`;
	}
}

interface CsvRecord {
	record: string[];
	raw?: string;
	info: Info;
}

function headerProblem(header: readonly string[]): string | null {
	const names = header.map((h) => h.trim());
	const missing = SF311_REQUIRED_COLUMNS.filter((c) => !names.includes(c));
	const duplicated = KNOWN_COLUMNS.filter((c) => names.indexOf(c) !== names.lastIndexOf(c));
	const parts: string[] = [];
	if (missing.length > 0) parts.push(`missing required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`);
	if (duplicated.length > 0) parts.push(`duplicated column${duplicated.length > 1 ? 's' : ''} ${duplicated.map((c) => `"${c}"`).join(', ')}`);
	if (parts.length === 0) return null;
	const shown = names.slice(0, 12).map((n) => JSON.stringify(n)).join(', ');
	return `not an SF 311 export: ${parts.join('; ')} (header has ${names.length} columns: ${shown}${names.length > 12 ? ', …' : ''})`;
}

/**
 * Streams an SF 311 CSV export: yields every good row and every bad-row error, in line order. Columns come
 * from the header line (its first cell is empty in the sample: the R row index); unknown columns are ignored.
 * Stops after one error when the file is empty or lacks a required column. Errors of the input stream itself
 * (I/O) are thrown, not reported as rows.
 */
export async function* streamSf311Csv(input: Sf311Input): AsyncGenerator<Sf311ParseEvent, void, undefined> {
	const pending: Sf311RowError[] = []; // csv-parse reports skipped records out of band (on_skip)
	let lastSkippedLine = 0;
	const parser = parseCsv({
		bom: true,
		info: true,
		raw: true,
		skip_empty_lines: true,
		skip_records_with_error: true,
		max_record_size: MAX_RECORD_CHARS,
		on_skip: (err: CsvError | undefined, raw: string | undefined) => {
			const line = startLine(typeof err?.lines === 'number' ? err.lines : 1, raw);
			// One broken record can raise two errors (stray quote, then wrong field count): report it once.
			if (line !== lastSkippedLine) pending.push({ line, reason: csvErrorReason(err) });
			lastSkippedLine = line;
			return undefined;
		}
	});
	const source = Readable.from(lfOnly(textChunks(input)));
	pipeline(source, parser, (err) => {
		// pipeline destroys the parser with `err`, so the loop below throws it; nothing more to do here.
		void err;
	});

	let columns: readonly string[] | null = null;
	const seen = new Map<string, number>(); // CaseID -> line of its first row
	/** Skipped-record errors come before the rows that follow them: yields those before `line`. */
	function* flush(line: number): Generator<Sf311ParseEvent> {
		while (pending.length > 0 && pending[0]!.line < line) yield { kind: 'error', error: pending.shift()! };
	}

	for await (const chunk of parser as AsyncIterable<CsvRecord>) {
		const line = startLine(chunk.info.lines, chunk.raw);
		yield* flush(line);
		if (columns === null) {
			const problemText = headerProblem(chunk.record);
			if (problemText !== null) {
				yield { kind: 'error', error: { line, reason: problemText } };
				parser.destroy();
				return;
			}
			columns = chunk.record.map((h) => h.trim());
			continue;
		}
		const record: Record<string, string> = {};
		columns.forEach((name, i) => {
			if ((KNOWN_COLUMNS as readonly string[]).includes(name)) record[name] = chunk.record[i] ?? '';
		});
		const result = toCase(record, line);
		if (!('case_id' in result)) {
			yield { kind: 'error', error: result };
			continue;
		}
		const first = seen.get(result.case_id);
		if (first !== undefined) {
			yield { kind: 'error', error: { line, reason: `CaseID ${result.case_id}: duplicate (first seen on line ${first}); this row was skipped` } };
			continue;
		}
		seen.set(result.case_id, line);
		yield { kind: 'row', row: result };
	}
	if (columns === null) {
		// No header record: an empty (or blank) file, or one whose first record was unreadable.
		const first = pending.shift();
		yield {
			kind: 'error',
			error: first
				? { line: first.line, reason: `unreadable header line: ${first.reason}` }
				: { line: 1, reason: 'empty file: expected a header line with the SF 311 columns (CaseID, Opened, …)' }
		};
		return;
	}
	yield* flush(Number.POSITIVE_INFINITY);
}

/** Reads a whole SF 311 CSV export: the good rows and the bad rows' errors, both in line order. */
export async function parseSf311Csv(input: Sf311Input): Promise<Sf311ParseResult> {
	const rows: Sf311Case[] = [];
	const errors: Sf311RowError[] = [];
	for await (const event of streamSf311Csv(input)) {
		if (event.kind === 'row') rows.push(event.row);
		else errors.push(event.error);
	}
	return { rows, errors };
}
