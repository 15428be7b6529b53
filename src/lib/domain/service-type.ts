import { z } from 'zod';
import { couchMeta, slug } from './common';

/** Open311 GeoReport v2 service definition attribute. */
export const open311AttributeSchema = z.object({
	variable: z.boolean(),
	code: z.string().min(1).max(100),
	datatype: z.enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
	required: z.boolean(),
	datatype_description: z.string().nullable().default(null),
	order: z.number().int().nonnegative(),
	description: z.string(),
	values: z.array(z.object({ key: z.string(), name: z.string() })).optional()
});
export type Open311Attribute = z.infer<typeof open311AttributeSchema>;

export const resolutionCodeSchema = z.object({
	code: slug,
	label: z.string().min(1).max(200),
	/** The crew did physical work: the service type's after-photo rule applies to closes with this code. */
	work_done: z.boolean().default(true)
});
export type ResolutionCode = z.infer<typeof resolutionCodeSchema>;
/** A resolution code as written in configuration (work_done defaults to true). */
export type ResolutionCodeInput = z.input<typeof resolutionCodeSchema>;

export const DEFAULT_DUPLICATE_RADIUS_M = 50; // metres
export const DEFAULT_DUPLICATE_WINDOW_HOURS = 72; // 3 days
export const DEFAULT_SERVICE_MINUTES = 15;

export const serviceTypeSchema = z.object({
	...couchMeta,
	type: z.literal('service_type'),
	service_code: slug,
	service_name: z.string().min(1).max(200),
	description: z.string().max(4000),
	group: z.string().min(1).max(200),
	keywords: z.array(z.string()).default([]),
	/** Open311 type: realtime (we handle it), batch or blackbox. */
	open311_type: z.enum(['realtime', 'batch', 'blackbox']).default('realtime'),
	department: slug,
	/** SLA target: hours from request to close (issue 08; admins edit it at /admin/sla). */
	sla_hours: z.number().positive(),
	/** The SLA clock runs only in the city's business hours (sla.ts), not around the clock. */
	sla_business_hours: z.boolean().default(false),
	/** Typical minutes on site (the route solver's service time). */
	service_minutes: z.number().positive().max(8 * 60).default(DEFAULT_SERVICE_MINUTES),
	resolution_codes: z.array(resolutionCodeSchema).min(1),
	requires_after_photo: z.boolean(),
	attributes: z.array(open311AttributeSchema).default([]),
	duplicate_radius_m: z.number().positive().default(DEFAULT_DUPLICATE_RADIUS_M),
	duplicate_window_hours: z.number().positive().default(DEFAULT_DUPLICATE_WINDOW_HOURS)
});
export type ServiceType = z.infer<typeof serviceTypeSchema>;

export const serviceTypeDocId = (code: string) => `service_type:${code}`;
