import type { Config } from '../config';
import type { CouchClient } from '../store/couch-client';

/** Placeholder until the seed mapping lands. */
export async function seedIfEmpty(_store: CouchClient, _config: Config): Promise<void> {}
