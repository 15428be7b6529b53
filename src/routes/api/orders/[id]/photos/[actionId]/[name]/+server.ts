import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { getOrderPhoto } from '$lib/server/orders';
import type { RequestHandler } from './$types';

const PHOTO_CACHE_SECONDS = 24 * 60 * 60; // a photo never changes: its action is append-only

/** Staff: a photo of an order (crew photo or after photo), by the action that carried it. */
export const GET: RequestHandler = api(async ({ params }) => {
	const photo = await getOrderPhoto(getContext().store, params.id!, params.actionId!, params.name!);
	return new Response(new Uint8Array(photo.bytes), {
		headers: {
			'content-type': photo.contentType,
			'cache-control': `private, max-age=${PHOTO_CACHE_SECONDS}, immutable`,
			'content-security-policy': "default-src 'none'"
		}
	});
});
