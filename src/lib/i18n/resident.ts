/**
 * What residents read — the status page, the report form and the e-mails — in English and Spanish (issue 07).
 * One dictionary per language with the same keys (the type checker holds them together).
 */
import { PUBLIC_STEP_TEXT, type PublicStep } from '../domain/timeline';
import type { WorkflowStatus } from '../domain/status-machine';

export const LANGS = ['en', 'es'] as const;
export type Lang = (typeof LANGS)[number];
export const isLang = (v: unknown): v is Lang => (LANGS as readonly unknown[]).includes(v);
export const LANG_COOKIE = 'lang';
export const LANG_NAMES: Record<Lang, string> = { en: 'English', es: 'Español' };

/** ?lang= first (a switch), then the cookie it set, then the browser's Accept-Language, else English. */
export function pickLang(query: string | null, cookie: string | undefined, acceptLanguage: string | null): Lang {
	if (isLang(query)) return query;
	if (isLang(cookie)) return cookie;
	const ranked = (acceptLanguage ?? '')
		.split(',')
		.map((part) => {
			const [tag, ...params] = part.trim().split(';');
			const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
			return { lang: (tag ?? '').toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q) };
		})
		.filter((x) => x.q > 0)
		.sort((a, b) => b.q - a.q);
	return ranked.map((x) => x.lang).find(isLang) ?? 'en';
}

const en = {
	lang_switch: 'Language',
	status_title: 'Request #{id}',
	status_open: 'Open',
	status_closed: 'Closed',
	reported: 'Reported',
	expected: 'Expected by',
	closed_at: 'Closed',
	location: 'Location',
	description: 'What was reported',
	timeline: 'What happened',
	closing_photo: 'Photo of the finished work',
	closing_photo_alt: 'Photo taken by the crew when closing request #{id}',
	reporter_photo: 'Photo sent with the report',
	duplicate_open: 'This problem was already reported as request #{ref}. Your report is linked to it and will be closed with it.',
	duplicate_closed: 'Closed together with request #{ref}, which reported the same problem.',
	see_request: 'See request #{ref}',
	thanks: 'Thank you! Your request number is #{id}. Keep it to follow your request here.',
	thanks_mail: 'We will e-mail you at each step.',
	not_found: 'We could not find request #{id}. Check the number and try again.',
	find_title: 'Follow a request',
	find_label: 'Request number',
	find_button: 'Show',
	report_link: 'Report a problem',
	report_title: 'Report a problem',
	report_intro: 'Tell the city about a problem on the street. No account needed.',
	report_category: 'What kind of problem?',
	report_choose: 'Choose…',
	report_where: 'Where is it?',
	report_map_help: 'Tap the map to place the pin on the spot, or use your location, or type a street corner.',
	report_use_location: 'Use my location',
	report_locating: 'Finding you…',
	report_location_denied: 'Your location is not available; tap the map instead.',
	report_pin_set: 'Pin placed at {lat}, {long}',
	report_address: 'Address or street corner',
	report_address_hint: 'For example: Market St & 5th St',
	report_description: 'Describe the problem',
	report_description_hint: 'Up to 4,000 characters',
	report_photo: 'Photo (optional)',
	report_photo_hint: 'JPEG, PNG or WebP, up to {mb} MB. Location and camera data are removed before it is shown.',
	report_email: 'E-mail (optional)',
	report_email_hint: 'We send an e-mail when the request is received, scheduled and closed.',
	report_name: 'Name (optional)',
	report_submit: 'Send report',
	report_sending: 'Sending…',
	report_offline: 'No connection: your report was not sent. Everything you entered is still here — send it again when you have signal.',
	report_error: 'The report was not sent:',
	report_details: 'A few questions',
	report_required: 'required',
	report_pin_none: 'No pin placed yet.',
	report_clear_pin: 'Remove the pin',
	report_first_name: 'First name',
	report_last_name: 'Last name',
	report_about_you: 'About you (optional)',
	report_privacy: 'Your name and e-mail are only seen by city staff, never on the public status page.',
	report_photo_again: 'If you chose a photo, choose it again.',
	report_err_category: 'Choose what kind of problem it is.',
	report_err_unknown_category: 'That kind of problem is not on our list any more: choose another.',
	report_err_description_long: 'The description is too long: {n} characters, at most {max}.',
	report_err_location: 'Say where it is: tap the map to place the pin, use your location, or type a street corner.',
	report_err_photo_type: 'The photo must be a JPEG, PNG or WebP image.',
	report_err_photo_size: 'The photo is larger than {mb} MB.',
	report_err_other: 'Something in the report could not be accepted: {reason}',
	status_label: 'Status',
	status_service: 'Problem',
	status_near: 'Near {lat}, {long}',
	status_follow_other: 'Follow another request',
	not_found_title: 'Request not found',
	error_title: 'Something went wrong',
	unsubscribe_invalid_title: 'Link not valid',
	unsubscribe_title: 'Stop e-mails',
	unsubscribe_ask: 'Stop all 311 e-mails to {email}?',
	unsubscribe_button: 'Stop e-mails',
	unsubscribe_done: 'Done: we will not e-mail {email} about requests any more.',
	unsubscribe_invalid: 'This link is not valid. Use the link from one of our e-mails.',
	mail_hello: 'Hello{name},',
	mail_follow: 'Follow your request: {url}',
	mail_unsubscribe: 'To stop these e-mails: {url}',
	mail_note: 'Note from the city: {note}',
	mail_photo: 'Photo of the finished work: {url}',
	mail_signature: 'City 311'
};
type Dictionary = typeof en;

const es: Dictionary = {
	lang_switch: 'Idioma',
	status_title: 'Solicitud n.º {id}',
	status_open: 'Abierta',
	status_closed: 'Cerrada',
	reported: 'Reportada',
	expected: 'Prevista para',
	closed_at: 'Cerrada',
	location: 'Ubicación',
	description: 'Lo que se reportó',
	timeline: 'Lo que pasó',
	closing_photo: 'Foto del trabajo terminado',
	closing_photo_alt: 'Foto tomada por el equipo al cerrar la solicitud n.º {id}',
	reporter_photo: 'Foto enviada con el reporte',
	duplicate_open: 'Este problema ya se reportó en la solicitud n.º {ref}. Su reporte está vinculado a ella y se cerrará con ella.',
	duplicate_closed: 'Cerrada junto con la solicitud n.º {ref}, que reportó el mismo problema.',
	see_request: 'Ver la solicitud n.º {ref}',
	thanks: '¡Gracias! Su número de solicitud es n.º {id}. Guárdelo para seguir su solicitud aquí.',
	thanks_mail: 'Le escribiremos por correo en cada paso.',
	not_found: 'No encontramos la solicitud n.º {id}. Revise el número e inténtelo de nuevo.',
	find_title: 'Seguir una solicitud',
	find_label: 'Número de solicitud',
	find_button: 'Mostrar',
	report_link: 'Reportar un problema',
	report_title: 'Reportar un problema',
	report_intro: 'Avise a la ciudad de un problema en la calle. No necesita cuenta.',
	report_category: '¿Qué tipo de problema?',
	report_choose: 'Elija…',
	report_where: '¿Dónde está?',
	report_map_help: 'Toque el mapa para poner el marcador en el lugar, use su ubicación o escriba una esquina.',
	report_use_location: 'Usar mi ubicación',
	report_locating: 'Buscando su ubicación…',
	report_location_denied: 'Su ubicación no está disponible; toque el mapa.',
	report_pin_set: 'Marcador en {lat}, {long}',
	report_address: 'Dirección o esquina',
	report_address_hint: 'Por ejemplo: Market St & 5th St',
	report_description: 'Describa el problema',
	report_description_hint: 'Hasta 4.000 caracteres',
	report_photo: 'Foto (opcional)',
	report_photo_hint: 'JPEG, PNG o WebP, hasta {mb} MB. Se quitan los datos de ubicación y de la cámara antes de mostrarla.',
	report_email: 'Correo electrónico (opcional)',
	report_email_hint: 'Le escribimos cuando la solicitud se recibe, se programa y se cierra.',
	report_name: 'Nombre (opcional)',
	report_submit: 'Enviar reporte',
	report_sending: 'Enviando…',
	report_offline: 'Sin conexión: su reporte no se envió. Todo lo que escribió sigue aquí; envíelo de nuevo cuando tenga señal.',
	report_error: 'El reporte no se envió:',
	report_details: 'Algunas preguntas',
	report_required: 'obligatorio',
	report_pin_none: 'Todavía no hay marcador.',
	report_clear_pin: 'Quitar el marcador',
	report_first_name: 'Nombre',
	report_last_name: 'Apellido',
	report_about_you: 'Sus datos (opcional)',
	report_privacy: 'Su nombre y su correo solo los ve el personal de la ciudad, nunca la página pública de la solicitud.',
	report_photo_again: 'Si eligió una foto, elíjala de nuevo.',
	report_err_category: 'Elija qué tipo de problema es.',
	report_err_unknown_category: 'Ese tipo de problema ya no está en la lista: elija otro.',
	report_err_description_long: 'La descripción es demasiado larga: {n} caracteres, como máximo {max}.',
	report_err_location: 'Indique dónde está: toque el mapa para poner el marcador, use su ubicación o escriba una esquina.',
	report_err_photo_type: 'La foto debe ser una imagen JPEG, PNG o WebP.',
	report_err_photo_size: 'La foto pesa más de {mb} MB.',
	report_err_other: 'Algo del reporte no se pudo aceptar: {reason}',
	status_label: 'Estado',
	status_service: 'Problema',
	status_near: 'Cerca de {lat}, {long}',
	status_follow_other: 'Seguir otra solicitud',
	not_found_title: 'Solicitud no encontrada',
	error_title: 'Algo salió mal',
	unsubscribe_invalid_title: 'Enlace no válido',
	unsubscribe_title: 'Dejar de recibir correos',
	unsubscribe_ask: '¿Dejar de enviar correos del 311 a {email}?',
	unsubscribe_button: 'Dejar de recibir correos',
	unsubscribe_done: 'Listo: no escribiremos más a {email} sobre solicitudes.',
	unsubscribe_invalid: 'Este enlace no es válido. Use el enlace de uno de nuestros correos.',
	mail_hello: 'Hola{name}:',
	mail_follow: 'Siga su solicitud: {url}',
	mail_unsubscribe: 'Para no recibir más correos: {url}',
	mail_note: 'Nota de la ciudad: {note}',
	mail_photo: 'Foto del trabajo terminado: {url}',
	mail_signature: 'Ciudad — 311'
};

export const DICTIONARIES: Record<Lang, Dictionary> = { en, es };

/** A phrase with its {placeholders} filled. */
export function t(lang: Lang, key: keyof Dictionary, values: Record<string, string | number> = {}): string {
	return DICTIONARIES[lang][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in values ? String(values[name]) : m));
}

/** Each public step in words. */
export const STEP_WORDS: Record<Lang, Record<PublicStep, string>> = {
	en: PUBLIC_STEP_TEXT,
	es: {
		received: 'Solicitud recibida',
		linked_duplicate: 'Vinculada a un reporte anterior del mismo problema',
		assigned: 'Se programó un equipo',
		en_route: 'Un equipo va en camino',
		on_site: 'Un equipo está trabajando en ello',
		closed: 'Cerrada',
		duplicate: 'Cerrada porque ya se había reportado',
		reopened: 'Reabierta',
		note: 'Novedad de la ciudad'
	}
};

/** E-mail subjects by step. */
export const MAIL_SUBJECTS: Record<Lang, Record<PublicStep, string>> = {
	en: {
		received: 'Request #{id} received: {service}',
		linked_duplicate: 'Request #{id}: already reported as #{ref}',
		assigned: 'Request #{id}: a crew has been scheduled',
		en_route: 'Request #{id}: a crew is on the way',
		on_site: 'Request #{id}: a crew is working on it',
		closed: 'Request #{id} closed: {service}',
		duplicate: 'Request #{id} closed: already reported as #{ref}',
		reopened: 'Request #{id} reopened',
		note: 'Request #{id}: an update from the city'
	},
	es: {
		received: 'Solicitud n.º {id} recibida: {service}',
		linked_duplicate: 'Solicitud n.º {id}: ya se reportó como n.º {ref}',
		assigned: 'Solicitud n.º {id}: se programó un equipo',
		en_route: 'Solicitud n.º {id}: un equipo va en camino',
		on_site: 'Solicitud n.º {id}: un equipo está trabajando en ello',
		closed: 'Solicitud n.º {id} cerrada: {service}',
		duplicate: 'Solicitud n.º {id} cerrada: ya se reportó como n.º {ref}',
		reopened: 'Solicitud n.º {id} reabierta',
		note: 'Solicitud n.º {id}: novedad de la ciudad'
	}
};

export const STATUS_WORDS: Record<Lang, Record<WorkflowStatus, string>> = {
	en: { new: 'Received', assigned: 'Scheduled', en_route: 'Crew on the way', on_site: 'Crew on site', closed: 'Closed' },
	es: { new: 'Recibida', assigned: 'Programada', en_route: 'Equipo en camino', on_site: 'Equipo en el lugar', closed: 'Cerrada' }
};

/** A date and time on the city's clock, in the reader's language. */
export function formatWhen(lang: Lang, iso: string, timeZone: string): string {
	return new Intl.DateTimeFormat(lang === 'es' ? 'es-US' : 'en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}
