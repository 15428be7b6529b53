/** Demo accounts of the seed (src/lib/server/seed/orders.ts), as the README documents them. */
export { DEMO_PASSWORD } from '../../src/lib/server/seed/index';

export const DEMO_CREW_MEMBER = { username: 'ana', crew: 'dpw-cleaning-1' } as const;
export const DEMO_CREW_MEMBER_SAME_CREW = { username: 'ben', crew: 'dpw-cleaning-1' } as const;
export const DEMO_OTHER_CREW_MEMBER = { username: 'eli', crew: 'dpw-graffiti-1' } as const;
