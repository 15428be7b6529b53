import { expect, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../helpers/demo';

export async function signIn(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
	await page.goto('/login');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/crew$/);
}

/**
 * Offline-ready, as a crew member would wait for it before driving off: the service worker controls the page
 * and keeps the shell, the map area is stored, and the first download of the crew's orders is done.
 */
export async function waitForOfflineReady(page: Page): Promise<void> {
	// expect.poll awaits the async check (page.waitForFunction would take the returned Promise as truthy).
	const ready = () =>
		page.evaluate(async () => {
			const reg = await navigator.serviceWorker.getRegistration();
			if (reg?.active?.state !== 'activated' || navigator.serviceWorker.controller === null) return 'service worker not active';
			let shell = false;
			let map = false;
			for (const name of await caches.keys()) {
				if (name.startsWith('fw-pages-') && (await (await caches.open(name)).match('/crew'))) shell = true;
				if (name.startsWith('fw-map-') && (await (await caches.open(name)).match('/map/area.json'))) map = true;
			}
			return shell ? (map ? 'ready' : 'map not stored') : 'shell not cached';
		});
	await expect.poll(ready, { timeout: 30_000 }).toBe('ready');
	await expect(page.getByTestId('sync-phase')).toHaveAttribute('data-phase', 'idle', { timeout: 15_000 });
}

/** A camera-like JPEG (3000×2000, EXIF orientation, GPS and time) and a text file named .jpg. */
export const PHOTO_FIXTURE = 'tests/fixtures/photos/camera-3000x2000-exif.jpg';
export const NOT_A_PHOTO_FIXTURE = 'tests/fixtures/photos/not-a-photo.jpg';

/** Airplane mode, and wait until the app shows it (the sync bar says offline). */
export async function goOffline(page: Page): Promise<void> {
	await page.context().setOffline(true);
	await expect(page.getByTestId('sync-phase')).toHaveAttribute('data-phase', 'offline');
}
