/**
 * SLA settings (issue 08), edited by admins at /admin/sla: each service type's target (hours, and whether
 * its clock runs in business hours only) on the service type document, and the city's business hours and
 * holidays in one calendar document of the directory.
 */
import {
	businessHoursSchema,
	DEFAULT_BUSINESS_HOURS,
	serviceTypeDocId,
	serviceTypeSchema,
	SLA_CALENDAR_DOC_ID,
	slaCalendarSchema,
	slaTargetSchema,
	type BusinessHours,
	type ServiceType,
	type SessionUser,
	type SlaCalendar
} from '../../domain';
import { cachedDirectoryRead, listDepartments, listServiceTypes } from '../directory';
import { BadRequestError, describeZodError, ForbiddenError, NotFoundError, StateConflictError } from '../errors';
import type { CouchClient } from '../store/couch-client';
import { isConflict } from '../store/couch-client';
import { DIRECTORY_DB } from '../store/schema';

const WRITE_ATTEMPTS = 3; // re-read and write again when someone else saved meanwhile

function assertAdmin(user: SessionUser): void {
	if (user.role !== 'admin') throw new ForbiddenError('Only admins change SLA targets and business hours');
}

/** The city's business hours (the defaults until an admin saves them). */
export async function getBusinessHours(store: CouchClient): Promise<BusinessHours> {
	const doc = await cachedDirectoryRead(store, SLA_CALENDAR_DOC_ID, () => store.db(DIRECTORY_DB).getOrNull<unknown>(SLA_CALENDAR_DOC_ID));
	if (!doc) return DEFAULT_BUSINESS_HOURS;
	const parsed = slaCalendarSchema.safeParse(doc);
	if (parsed.success) return parsed.data.business_hours;
	console.error(`[sla] the calendar document is invalid; using the defaults: ${describeZodError(parsed.error)}`);
	return DEFAULT_BUSINESS_HOURS;
}

export interface SlaSettings {
	business_hours: BusinessHours;
	service_types: { code: string; name: string; department: string; sla_hours: number; sla_business_hours: boolean }[];
}

/** The business hours and every service type's target, by name. */
export async function slaSettings(store: CouchClient): Promise<SlaSettings> {
	const [hours, types, departments] = await Promise.all([getBusinessHours(store), listServiceTypes(store), listDepartments(store)]);
	const departmentName = new Map(departments.map((d) => [d.id, d.short_name]));
	return {
		business_hours: hours,
		service_types: types
			.map((t) => ({
				code: t.service_code,
				name: t.service_name,
				department: departmentName.get(t.department) ?? t.department,
				sla_hours: t.sla_hours,
				sla_business_hours: t.sla_business_hours
			}))
			.sort((a, b) => a.name.localeCompare(b.name))
	};
}

/** Saves the business hours ({days, open, close, holidays}); days and holidays are kept sorted. */
export async function saveBusinessHours(store: CouchClient, user: SessionUser, body: unknown, now = new Date()): Promise<BusinessHours> {
	assertAdmin(user);
	const input = businessHoursSchema.safeParse(body);
	if (!input.success) throw new BadRequestError(describeZodError(input.error));
	const hours: BusinessHours = { ...input.data, days: [...input.data.days].sort((a, b) => a - b), holidays: [...input.data.holidays].sort() };
	const db = store.db(DIRECTORY_DB);
	for (let attempt = 1; ; attempt++) {
		const existing = await db.getOrNull<{ _rev: string }>(SLA_CALENDAR_DOC_ID);
		const doc: SlaCalendar = slaCalendarSchema.parse({
			_id: SLA_CALENDAR_DOC_ID,
			...(existing ? { _rev: existing._rev } : {}),
			type: 'sla_calendar',
			business_hours: hours,
			updated_at: now.toISOString(),
			updated_by: user.id
		});
		try {
			await db.put(doc);
			return hours;
		} catch (e) {
			if (!isConflict(e) || attempt >= WRITE_ATTEMPTS) throw isConflict(e) ? new StateConflictError('the business hours were being saved by someone else: try again') : e;
		}
	}
}

/** Sets a service type's SLA target ({sla_hours, sla_business_hours}). */
export async function setSlaTarget(store: CouchClient, user: SessionUser, code: string, body: unknown): Promise<ServiceType> {
	assertAdmin(user);
	const input = slaTargetSchema.safeParse(body);
	if (!input.success) throw new BadRequestError(describeZodError(input.error));
	const db = store.db(DIRECTORY_DB);
	for (let attempt = 1; ; attempt++) {
		const doc = await db.getOrNull<unknown>(serviceTypeDocId(code));
		if (!doc) throw new NotFoundError(`No service type "${code}"`);
		const type = serviceTypeSchema.parse({ ...(doc as object), ...input.data });
		try {
			const res = await db.put(type);
			return { ...type, _rev: res.rev };
		} catch (e) {
			if (!isConflict(e) || attempt >= WRITE_ATTEMPTS) throw isConflict(e) ? new StateConflictError('the service type was being changed by someone else: try again') : e;
		}
	}
}
