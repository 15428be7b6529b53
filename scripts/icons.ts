/**
 * Renders the app icons (static/icons/*.png) from static/icons/icon.svg in headless Chromium. The PNGs are
 * committed; run `npx tsx scripts/icons.ts` after changing the SVG. Maskable icons keep the pin inside the
 * central safe zone (the SVG's artwork stays within 80 % of the square).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';

const DIR = path.resolve('static/icons');
const SIZES = [
	{ file: 'icon-192.png', size: 192 },
	{ file: 'icon-512.png', size: 512 },
	{ file: 'icon-maskable-512.png', size: 512 },
	{ file: 'apple-touch-icon-180.png', size: 180 }
];

const svg = readFileSync(path.join(DIR, 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
	for (const { file, size } of SIZES) {
		const page = await browser.newPage({ viewport: { width: size, height: size } });
		await page.setContent(`<html><body style="margin:0">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
		await page.screenshot({ path: path.join(DIR, file), omitBackground: false });
		await page.close();
		console.log(`static/icons/${file} (${size}x${size})`);
	}
} finally {
	await browser.close();
}
