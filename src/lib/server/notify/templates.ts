/** The text of a resident e-mail about one public step (plain text: readable in any mail client). */
import { publicPhotoPath, type PublicStep, type TimelineEntry, type WorkOrder } from '../../domain';
import { MAIL_SUBJECTS, STEP_WORDS, t, type Lang } from '../../i18n/resident';

export interface MailText {
	subject: string;
	text: string;
}

export function renderMail(
	order: Pick<WorkOrder, 'service_request_id' | 'service_name' | 'address' | 'reporter' | 'duplicate_of'>,
	step: TimelineEntry,
	lang: Lang,
	links: { publicUrl: string; unsubscribeUrl: string }
): MailText {
	const id = order.service_request_id;
	const ref = step.ref ?? order.duplicate_of ?? '';
	const subject = MAIL_SUBJECTS[lang][step.step as PublicStep].replace('{id}', id).replace('{service}', order.service_name).replace('{ref}', ref);
	const name = order.reporter?.first_name ? ` ${order.reporter.first_name}` : '';
	const lines = [
		t(lang, 'mail_hello', { name }),
		'',
		`${STEP_WORDS[lang][step.step]} — #${id} ${order.service_name}${order.address ? `, ${order.address}` : ''}.`
	];
	if (step.step === 'linked_duplicate') lines.push('', t(lang, 'duplicate_open', { ref }));
	if (step.note) lines.push('', t(lang, 'mail_note', { note: step.note }));
	if (step.photo) lines.push('', t(lang, 'mail_photo', { url: `${links.publicUrl}${publicPhotoPath(step.photo)}` }));
	lines.push(
		'',
		t(lang, 'mail_follow', { url: `${links.publicUrl}/requests/${encodeURIComponent(id)}?lang=${lang}` }),
		'',
		'-- ',
		t(lang, 'mail_signature'),
		t(lang, 'mail_unsubscribe', { url: links.unsubscribeUrl })
	);
	return { subject, text: lines.join('\n') };
}
