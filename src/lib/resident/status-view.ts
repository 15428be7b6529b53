/**
 * The public status page of a request (/requests/<id>, issue 07) as plain data: only what a resident may see,
 * in their language. Built on the server from the stored order; the order itself (reporter's name and e-mail,
 * crews, internal notes) never reaches the page.
 */
import { closingPhoto, publicPhotoPath } from '../domain/open311';
import { toOpen311Status } from '../domain/status-machine';
import { publicTimeline, type PublicStep } from '../domain/timeline';
import type { WorkOrder } from '../domain/work-order';
import { formatWhen, STATUS_WORDS, STEP_WORDS, t, type Lang } from '../i18n/resident';

/** Where residents' report photos are served (src/routes/media/uploads). */
const UPLOAD_PATH = /^\/media\/uploads\/[a-z0-9]+\.jpg$/;

export interface StatusStep {
	id: string;
	step: PublicStep;
	word: string;
	when: string;
	/** Machine-readable time for <time datetime>. */
	at: string;
	note: string | null;
	ref: string | null;
	photo: string | null;
}

export interface StatusView {
	id: string;
	open: boolean;
	/** "Open" / "Closed" (Open311's two states). */
	state: string;
	/** The workflow status in words ("Crew on the way"). */
	status: string;
	service: string;
	description: string | null;
	address: string | null;
	coordinates: string;
	reported: string;
	expected: string | null;
	closed: string | null;
	timeline: StatusStep[];
	closingPhoto: string | null;
	/** The resident's photo, when it is one of ours (an upload with EXIF removed). */
	reporterPhoto: string | null;
	duplicate: { ref: string; text: string; link: string } | null;
}

type ViewOrder = Pick<
	WorkOrder,
	| 'service_request_id'
	| 'status'
	| 'status_notes'
	| 'service_name'
	| 'description'
	| 'address'
	| 'lat'
	| 'long'
	| 'requested_datetime'
	| 'expected_datetime'
	| 'closed_datetime'
	| 'duplicate_of'
	| 'history'
	| 'public_notes'
	| 'photos'
	| 'media_url'
>;

/** The path of our own upload in a media_url (absolute with whatever public URL it was made under), else null. */
export function uploadPath(mediaUrl: string | null): string | null {
	if (!mediaUrl) return null;
	let path: string;
	try {
		path = new URL(mediaUrl, 'http://localhost').pathname;
	} catch {
		return null;
	}
	return UPLOAD_PATH.test(path) ? path : null;
}

const COORD_DECIMALS = 5; // about a metre: enough to find the spot, no false precision

export function statusView(order: ViewOrder, lang: Lang, timeZone: string): StatusView {
	const when = (iso: string) => formatWhen(lang, iso, timeZone);
	const open = toOpen311Status(order.status) === 'open';
	const photo = closingPhoto(order);
	const ref = order.duplicate_of;
	return {
		id: order.service_request_id,
		open,
		state: t(lang, open ? 'status_open' : 'status_closed'),
		status: STATUS_WORDS[lang][order.status],
		service: order.service_name,
		description: order.description || null,
		address: order.address,
		coordinates: t(lang, 'status_near', { lat: order.lat.toFixed(COORD_DECIMALS), long: order.long.toFixed(COORD_DECIMALS) }),
		reported: when(order.requested_datetime),
		expected: open && order.expected_datetime ? when(order.expected_datetime) : null,
		closed: !open && order.closed_datetime ? when(order.closed_datetime) : null,
		timeline: publicTimeline(order).map((s) => ({
			id: s.id,
			step: s.step,
			word: STEP_WORDS[lang][s.step],
			when: when(s.at),
			at: s.at,
			note: s.note,
			ref: s.ref,
			photo: s.photo ? publicPhotoPath(s.photo) : null
		})),
		closingPhoto: photo ? publicPhotoPath(photo) : null,
		reporterPhoto: uploadPath(order.media_url),
		duplicate: ref ? { ref, text: t(lang, open ? 'duplicate_open' : 'duplicate_closed', { ref }), link: t(lang, 'see_request', { ref }) } : null
	};
}
