import type { RequestHandler } from './$types';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { getUpload } from '$lib/server/media';
import { NotFoundError } from '$lib/server/errors';
import { imageResponse } from '$lib/server/media-response';

/** A resident's report photo (public copy, EXIF removed at upload). */
export const GET: RequestHandler = api(async ({ params }) => {
	const m = /^([a-z0-9]+)\.jpg$/.exec(params.file!);
	if (!m) throw new NotFoundError('No such photo');
	return imageResponse(await getUpload(getContext().store, m[1]!));
});
