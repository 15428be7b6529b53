import type { RequestHandler } from './$types';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { getClosingPhoto } from '$lib/server/media';
import { imageResponse } from '$lib/server/media-response';

/** The public copy (EXIF removed) of a request's closing photo. */
export const GET: RequestHandler = api(async ({ params }) => imageResponse(await getClosingPhoto(getContext().store, params.actionId!, params.name!)));
