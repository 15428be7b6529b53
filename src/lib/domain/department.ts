import { z } from 'zod';
import { couchMeta, slug } from './common';

export const departmentSchema = z.object({
	...couchMeta,
	type: z.literal('department'),
	id: slug,
	name: z.string().min(1).max(200),
	short_name: z.string().min(1).max(40),
	/** The raw agency queue names (e.g. "DPW Ops Queue") that normalise to this department. */
	agency_queues: z.array(z.string()).default([])
});
export type Department = z.infer<typeof departmentSchema>;

export const departmentDocId = (id: string) => `department:${id}`;
