/**
 * TSPLIB 95 reader (symmetric TSP): NODE_COORD_SECTION with EUC_2D, CEIL_2D, ATT and GEO distances, and EXPLICIT
 * matrices (FULL_MATRIX, UPPER_ROW, LOWER_ROW, UPPER_DIAG_ROW, LOWER_DIAG_ROW), with TSPLIB's integer rounding —
 * without it the published optimal lengths do not match. Reinelt, "TSPLIB 95", sections 2.1–2.4.
 */
export class TsplibError extends Error {
	override name = 'TsplibError';
}

export type EdgeWeightType = 'EUC_2D' | 'CEIL_2D' | 'ATT' | 'GEO' | 'EXPLICIT';
const SUPPORTED: readonly string[] = ['EUC_2D', 'CEIL_2D', 'ATT', 'GEO', 'EXPLICIT'];
const MATRIX_FORMATS = ['FULL_MATRIX', 'UPPER_ROW', 'LOWER_ROW', 'UPPER_DIAG_ROW', 'LOWER_DIAG_ROW'] as const;

export interface TsplibInstance {
	name: string;
	dimension: number;
	type: EdgeWeightType;
	/** Integer distance matrix, row-major n×n. */
	matrix: Int32Array;
}

const nint = (x: number) => Math.floor(x + 0.5);

/** TSPLIB GEO: coordinates are DDD.MM (degrees and minutes); RRR = 6378.388 km. */
function geoRadians(x: number): number {
	const deg = Math.trunc(x);
	const min = x - deg;
	return (Math.PI * (deg + (5 * min) / 3)) / 180;
}

function distance(type: Exclude<EdgeWeightType, 'EXPLICIT'>, a: [number, number], b: [number, number]): number {
	const xd = a[0] - b[0];
	const yd = a[1] - b[1];
	switch (type) {
		case 'EUC_2D':
			return nint(Math.sqrt(xd * xd + yd * yd));
		case 'CEIL_2D':
			return Math.ceil(Math.sqrt(xd * xd + yd * yd));
		case 'ATT': {
			const r = Math.sqrt((xd * xd + yd * yd) / 10);
			const t = nint(r);
			return t < r ? t + 1 : t;
		}
		case 'GEO': {
			const RRR = 6378.388;
			const [lat1, lon1, lat2, lon2] = [geoRadians(a[0]), geoRadians(a[1]), geoRadians(b[0]), geoRadians(b[1])];
			const q1 = Math.cos(lon1 - lon2);
			const q2 = Math.cos(lat1 - lat2);
			const q3 = Math.cos(lat1 + lat2);
			return Math.trunc(RRR * Math.acos(0.5 * ((1 + q1) * q2 - (1 - q1) * q3)) + 1);
		}
	}
}

export function parseTsplib(text: string): TsplibInstance {
	const lines = text.split(/\r?\n/);
	const spec = new Map<string, string>();
	let i = 0;
	let section: string | null = null;
	for (; i < lines.length; i++) {
		const line = lines[i]!.trim();
		if (!line) continue;
		const m = /^([A-Z_]+)\s*:\s*(.*)$/.exec(line);
		if (m) {
			spec.set(m[1]!, m[2]!.trim());
			continue;
		}
		if (/^[A-Z_]+_SECTION$/.test(line) || line === 'EOF') {
			section = line;
			i++;
			break;
		}
		throw new TsplibError(`line ${i + 1}: expected "KEY : value" or a section, got "${line.slice(0, 40)}"`);
	}
	const type = spec.get('TYPE');
	if (type && type !== 'TSP') throw new TsplibError(`TYPE ${type} is not supported (only symmetric TSP)`);
	const n = Number(spec.get('DIMENSION'));
	if (!Number.isInteger(n) || n < 1) throw new TsplibError('DIMENSION must be a positive integer');
	const weightType = spec.get('EDGE_WEIGHT_TYPE') ?? '';
	if (!SUPPORTED.includes(weightType)) throw new TsplibError(`EDGE_WEIGHT_TYPE ${weightType || '(missing)'} is not supported (${SUPPORTED.join(', ')})`);

	// The rest of the file: numbers of the current section, until the next section or EOF.
	const numbers: number[] = [];
	const take = (): number[] => {
		numbers.length = 0;
		for (; i < lines.length; i++) {
			const line = lines[i]!.trim();
			if (!line) continue;
			if (/^[A-Z_]+(_SECTION)?$/.test(line) && !/^-?\d/.test(line)) break;
			for (const tok of line.split(/\s+/)) {
				const v = Number(tok);
				if (!Number.isFinite(v)) throw new TsplibError(`line ${i + 1}: "${tok}" is not a number`);
				numbers.push(v);
			}
		}
		return numbers;
	};

	const matrix = new Int32Array(n * n);
	while (section && section !== 'EOF') {
		if (section === 'NODE_COORD_SECTION' && weightType !== 'EXPLICIT') {
			const nums = take();
			if (nums.length < n * 3) throw new TsplibError(`NODE_COORD_SECTION has ${Math.floor(nums.length / 3)} nodes, DIMENSION says ${n}`);
			const coords: [number, number][] = [];
			for (let k = 0; k < n; k++) coords.push([nums[k * 3 + 1]!, nums[k * 3 + 2]!]);
			for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) {
				const d = distance(weightType as Exclude<EdgeWeightType, 'EXPLICIT'>, coords[a]!, coords[b]!);
				matrix[a * n + b] = d;
				matrix[b * n + a] = d;
			}
		} else if (section === 'EDGE_WEIGHT_SECTION') {
			const format = spec.get('EDGE_WEIGHT_FORMAT') ?? '';
			if (!(MATRIX_FORMATS as readonly string[]).includes(format)) throw new TsplibError(`EDGE_WEIGHT_FORMAT ${format || '(missing)'} is not supported`);
			const nums = [...take()];
			let k = 0;
			const set = (a: number, b: number) => {
				if (k >= nums.length) throw new TsplibError('EDGE_WEIGHT_SECTION is too short for DIMENSION');
				matrix[a * n + b] = nums[k]!;
				matrix[b * n + a] = nums[k++]!;
			};
			for (let a = 0; a < n; a++) {
				if (format === 'FULL_MATRIX') for (let b = 0; b < n; b++) set(a, b);
				else if (format === 'UPPER_ROW') for (let b = a + 1; b < n; b++) set(a, b);
				else if (format === 'UPPER_DIAG_ROW') for (let b = a; b < n; b++) set(a, b);
				else if (format === 'LOWER_ROW') for (let b = 0; b < a; b++) set(a, b);
				else for (let b = 0; b <= a; b++) set(a, b);
			}
		} else {
			take(); // DISPLAY_DATA_SECTION, TOUR_SECTION…: not needed
		}
		section = i < lines.length ? lines[i]!.trim() : null;
		i++;
	}
	return { name: spec.get('NAME') ?? 'unnamed', dimension: n, type: weightType as EdgeWeightType, matrix };
}

/** A TOUR_SECTION (1-based city numbers, ended by -1) as 0-based indices. */
export function parseTour(text: string): number[] {
	const start = text.indexOf('TOUR_SECTION');
	if (start < 0) throw new TsplibError('no TOUR_SECTION');
	const tour: number[] = [];
	for (const tok of text.slice(start + 'TOUR_SECTION'.length).split(/\s+/)) {
		if (!tok) continue;
		const v = Number(tok);
		if (v === -1 || tok === 'EOF') break;
		tour.push(v - 1);
	}
	return tour;
}

export function tourLength(inst: Pick<TsplibInstance, 'dimension' | 'matrix'>, tour: ArrayLike<number>): number {
	const n = inst.dimension;
	let sum = 0;
	for (let k = 0; k < tour.length; k++) sum += inst.matrix[tour[k]! * n + tour[(k + 1) % tour.length]!]!;
	return sum;
}
