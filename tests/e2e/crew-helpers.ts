import { expect, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../helpers/demo';

export async function signIn(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
	await page.goto('/login');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/crew$/);
}

/** The service worker controls the page (shell cached) and the first download of the crew's orders is done. */
export async function waitForOfflineReady(page: Page): Promise<void> {
	await page.waitForFunction(async () => {
		const reg = await navigator.serviceWorker.getRegistration();
		if (reg?.active?.state !== 'activated' || navigator.serviceWorker.controller === null) return false;
		for (const name of await caches.keys()) {
			if (name.startsWith('fw-pages-') && (await (await caches.open(name)).match('/crew'))) return true;
		}
		return false;
	});
	await expect(page.getByTestId('sync-phase')).toHaveAttribute('data-phase', 'idle', { timeout: 15_000 });
}

/** A camera-like JPEG (3000×2000, EXIF orientation, GPS and time) and a text file named .jpg. */
export const PHOTO_FIXTURE = 'tests/fixtures/photos/camera-3000x2000-exif.jpg';
export const NOT_A_PHOTO_FIXTURE = 'tests/fixtures/photos/not-a-photo.jpg';
