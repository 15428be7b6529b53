import type { Open311Error } from '../../domain';
import { AppError } from '../errors';

/** A refusal with the spec's error list (every problem found, not only the first). */
export class Open311Failure extends AppError {
	override name = 'Open311Failure';
	constructor(
		status: number,
		readonly errors: Open311Error[]
	) {
		super(status, status === 403 ? 'forbidden' : status === 404 ? 'not_found' : 'bad_request', errors.map((e) => e.description).join('; '));
	}
}
