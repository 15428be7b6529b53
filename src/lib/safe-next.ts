/** Same-site paths only: a sign-in never bounces the user to another site. */
export function safeNext(raw: string | null, fallback: string): string {
	return raw && raw.startsWith('/') && !raw.startsWith('//') ? raw : fallback;
}
