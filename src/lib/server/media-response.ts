import type { PublicImage } from './media';

const PUBLIC_MEDIA_MAX_AGE_S = 24 * 60 * 60; // a public copy never changes once made

export function imageResponse(image: PublicImage): Response {
	return new Response(new Blob([new Uint8Array(image.bytes)], { type: image.contentType }), {
		headers: {
			'cache-control': `public, max-age=${PUBLIC_MEDIA_MAX_AGE_S}, immutable`,
			'access-control-allow-origin': '*',
			'content-security-policy': "default-src 'none'"
		}
	});
}
