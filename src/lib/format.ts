/** Display helpers shared by screens (dates via Intl and date-fns, distances, labels). */
import { formatDistanceStrict } from 'date-fns';
import type { Priority, WorkflowStatus } from './domain';

export const STATUS_LABEL: Record<WorkflowStatus, string> = {
	new: 'Unassigned',
	assigned: 'Assigned',
	en_route: 'En route',
	on_site: 'On site',
	closed: 'Closed'
};

export const PRIORITY_LABEL: Record<Priority, string> = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };

const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string | null): string {
	return iso ? dateTime.format(new Date(iso)) : '—';
}

const clock = new Intl.DateTimeFormat('en-US', { timeStyle: 'short' });

/** "10:42 AM": an ETA today. */
export function formatTime(iso: string): string {
	return clock.format(new Date(iso));
}

/** "1 h 05 min" / "38 min": a duration in minutes. */
export function formatMinutes(min: number): string {
	const m = Math.round(min);
	return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatDistance(meters: number | null): string {
	if (meters === null) return '';
	return meters < 1000 ? `${meters} m` : `${(meters / 1000).toFixed(1)} km`;
}

/** "due in 5 hours" / "overdue by 2 days" relative to `now`. */
export function formatDue(iso: string | null, now: Date): { text: string; overdue: boolean } {
	if (!iso) return { text: 'no SLA', overdue: false };
	const due = new Date(iso);
	const span = formatDistanceStrict(due, now);
	return due.getTime() < now.getTime() ? { text: `overdue by ${span}`, overdue: true } : { text: `due in ${span}`, overdue: false };
}
