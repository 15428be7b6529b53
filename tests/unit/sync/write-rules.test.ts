import { describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES } from '../../../src/lib/domain';
import { AppError } from '../../../src/lib/server/errors';
import { vetActionDoc, vetBulkDocs, type SyncWriter } from '../../../src/lib/server/sync/write-rules';
import { base64, jpegOfSize, noteAction, photoAction, tinyGif, tinyJpeg, tinyPng, tinyWebp } from '../../helpers/sync-fixtures';

const ANA: SyncWriter = { id: 'ana', crew: 'dpw-cleaning-1' };

/** The status and reason of the AppError `fn` throws. */
function refusal(fn: () => unknown): { status: number; reason: string } {
	try {
		fn();
	} catch (e) {
		if (e instanceof AppError) return { status: e.status, reason: e.message };
		throw e;
	}
	throw new Error('expected a refusal');
}

const replicated = (doc: Record<string, unknown>, hash = 'a'.repeat(32)) => ({
	...doc,
	_rev: `1-${hash}`,
	_revisions: { start: 1, ids: [hash] }
});

describe('vetActionDoc', () => {
	it('accepts a new note and forwards only the parsed content', () => {
		const doc: Record<string, unknown> = { ...noteAction(ANA), smuggled: 'x', _conflicts: ['1-b'] };
		const vetted = vetActionDoc(doc, ANA, true);
		expect(vetted.id).toBe(doc._id);
		expect(vetted.rev).toBeNull();
		expect(vetted.doc).not.toHaveProperty('smuggled');
		expect(vetted.doc).not.toHaveProperty('_conflicts');
		expect(vetted.doc).toMatchObject({ _id: doc._id, action: 'note', author: 'ana' });
	});

	it('keeps _rev and _revisions of a replicated first revision (new_edits=false)', () => {
		const vetted = vetActionDoc(replicated(noteAction(ANA)), ANA, false);
		expect(vetted.rev).toBe(`1-${'a'.repeat(32)}`);
		expect(vetted.doc).toMatchObject({ _rev: vetted.rev, _revisions: { start: 1, ids: ['a'.repeat(32)] } });
	});

	it.each([
		['JPEG', tinyJpeg(), 'image/jpeg'],
		['PNG', tinyPng(), 'image/png'],
		['WebP', tinyWebp(), 'image/webp']
	])('accepts a %s photo and keeps the attachment data as sent', (_n, bytes, type) => {
		const doc = photoAction(ANA, bytes, type);
		const vetted = vetActionDoc(doc, ANA, true);
		expect(vetted.doc._attachments).toEqual({ 'before.jpg': { content_type: type, data: base64(bytes) } });
	});

	it('accepts a photo of exactly MAX_ATTACHMENT_BYTES and refuses one byte more with 413', () => {
		expect(() => vetActionDoc(photoAction(ANA, jpegOfSize(MAX_ATTACHMENT_BYTES)), ANA, true)).not.toThrow();
		expect(refusal(() => vetActionDoc(photoAction(ANA, jpegOfSize(MAX_ATTACHMENT_BYTES + 1)), ANA, true)).status).toBe(413);
	});

	it.each([
		['an order document', { ...noteAction(ANA), _id: 'order:123' }, 403, /order documents are read-only/],
		['a design document', { ...noteAction(ANA), _id: '_design/x' }, 403, /read-only/],
		['a deletion', { ...noteAction(ANA), _deleted: true }, 403, /cannot be deleted/],
		['a forged author', noteAction({ id: 'ben', crew: ANA.crew }), 403, /forged author/],
		['another crew', noteAction({ id: 'ana', crew: 'dpw-graffiti-1' }), 403, /wrong crew/],
		['no crew', noteAction(ANA, { crew: null }), 403, /wrong crew/],
		['an edit (a _rev with new_edits)', { ...noteAction(ANA), _rev: '1-abc' }, 403, /append-only/],
		['a second revision', { ...noteAction(ANA), _rev: '2-abc' }, 403, /append-only/],
		['no _id', { ...noteAction(ANA), _id: undefined }, 400, /_id/],
		['an array', [noteAction(ANA)], 400, /JSON object/],
		['an unknown action type', noteAction(ANA, { action: 'explode' }), 400, /action/],
		['a supervisor action', noteAction(ANA, { action: 'assign', payload: { crew: 'dpw-cleaning-1' } }), 400, /not an action a tablet may write/],
		['an invalid payload', noteAction(ANA, { payload: { visibility: 'internal' } }), 400, /payload\.text/],
		['an _id that is not action:<id>', noteAction(ANA, { _id: 'action:not-the-id' }), 400, /_id must be/],
		['PNG bytes declared as JPEG', photoAction(ANA, tinyPng(), 'image/jpeg'), 400, /declared image\/jpeg but its bytes are image\/png/],
		['GIF bytes declared as PNG', photoAction(ANA, tinyGif(), 'image/png'), 400, /not a JPEG, PNG or WebP/],
		['GIF declared as GIF', photoAction(ANA, tinyGif(), 'image/gif'), 400, /content_type/],
		['text declared as JPEG', photoAction(ANA, new TextEncoder().encode('just some text'), 'image/jpeg'), 400, /not a JPEG, PNG or WebP/],
		[
			'a stub attachment',
			noteAction(ANA, { action: 'photo', payload: { attachment: 'a.jpg', kind: 'before' }, _attachments: { 'a.jpg': { content_type: 'image/jpeg', stub: true } } }),
			400,
			/inline/
		],
		[
			'invalid base64',
			noteAction(ANA, { action: 'photo', payload: { attachment: 'a.jpg', kind: 'before' }, _attachments: { 'a.jpg': { content_type: 'image/jpeg', data: '/9j/4A!!' } } }),
			400,
			/base64/
		]
	])('refuses %s', (_name, doc, status, reason) => {
		const r = refusal(() => vetActionDoc(doc, ANA, true));
		expect(r.status).toBe(status);
		expect(r.reason).toMatch(reason);
	});

	it.each([
		['a second revision', (d: Record<string, unknown>) => replicated(d, 'b'.repeat(32)), { _rev: `2-${'b'.repeat(32)}`, _revisions: { start: 2, ids: ['b'.repeat(32), 'a'.repeat(32)] } }, 403],
		['no _rev', (d: Record<string, unknown>) => d, {}, 400],
		['_revisions not matching _rev', (d: Record<string, unknown>) => replicated(d), { _revisions: { start: 1, ids: ['c'.repeat(32)] } }, 400],
		['a malformed _rev', (d: Record<string, unknown>) => d, { _rev: 'one' }, 400]
	])('with new_edits=false refuses %s', (_name, make, extra, status) => {
		const doc = { ...make(noteAction(ANA)), ...extra };
		expect(refusal(() => vetActionDoc(doc, ANA, false)).status).toBe(status);
	});
});

describe('vetBulkDocs', () => {
	it('refuses the whole batch for one bad document', () => {
		const docs = [noteAction(ANA), noteAction(ANA), noteAction({ id: 'eli', crew: ANA.crew })];
		expect(refusal(() => vetBulkDocs({ docs }, ANA))).toMatchObject({ status: 403, reason: expect.stringMatching(/forged author/) });
	});

	it('refuses the same id twice and a malformed body', () => {
		const doc = noteAction(ANA);
		expect(refusal(() => vetBulkDocs({ docs: [doc, doc] }, ANA)).status).toBe(400);
		expect(refusal(() => vetBulkDocs({ doc: [] }, ANA)).status).toBe(400);
		expect(refusal(() => vetBulkDocs({ docs: [], new_edits: 'no' }, ANA)).status).toBe(400);
	});

	it('reads new_edits', () => {
		expect(vetBulkDocs({ docs: [replicated(noteAction(ANA))], new_edits: false }, ANA).newEdits).toBe(false);
		expect(vetBulkDocs({ docs: [noteAction(ANA)] }, ANA).newEdits).toBe(true);
	});
});
