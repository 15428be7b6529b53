import type { APIRequestContext } from '@playwright/test';
import type { SunkMail } from '../helpers/mail-sink';

/** The mail sink Playwright starts next to the app (playwright.config.ts: E2E_PORT + 1). */
const SINK = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 4173) + 1}/messages`;

export async function sunkMail(request: APIRequestContext): Promise<SunkMail[]> {
	return (await (await request.get(SINK)).json()) as SunkMail[];
}
