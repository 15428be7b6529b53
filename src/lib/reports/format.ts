/** How the managers' page writes its figures. */

const HOURS_AS_DAYS_FROM = 48; // from two days on, durations read better in days

/** "45 min", "21.5 h", "3.2 days"; "—" for none. */
export function formatHours(hours: number | null): string {
	if (hours === null || !Number.isFinite(hours)) return '—';
	if (hours < 1) return `${Math.round(hours * 60)} min`;
	if (hours < HOURS_AS_DAYS_FROM) return `${hours.toFixed(1)} h`;
	return `${(hours / 24).toFixed(1)} days`;
}

/** "72 %"; "—" when nothing was judged. */
export function formatShare(share: number | null): string {
	return share === null ? '—' : `${Math.round(share * 100)} %`;
}

const count = new Intl.NumberFormat('en-US');
export const formatCount = (n: number) => count.format(n);

const monthFormat = new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

/** A period's label: "Nov 2026", or "Nov 16, 2026" for the week starting that Monday. */
export function formatPeriod(startIso: string, period: 'week' | 'month'): string {
	const d = new Date(`${startIso}T00:00:00Z`);
	return period === 'month' ? monthFormat.format(d) : dayFormat.format(d);
}

/** "Nov 16, 2026" for a YYYY-MM-DD day. */
export const formatDay = (iso: string) => dayFormat.format(new Date(`${iso}T00:00:00Z`));

/** A query string of the given parameters plus one service_code per chosen type ("" when empty). */
export function reportQuery(params: Record<string, string>, serviceCodes: readonly string[]): string {
	const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
	for (const c of serviceCodes) q.append('service_code', c);
	return q.toString();
}
