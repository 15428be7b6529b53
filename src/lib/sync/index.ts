/**
 * The tablet's data layer for sync (issue 02): components call this, never PouchDB or fetch.
 * Browser start-up is in './browser' (it loads pouchdb-browser lazily); rune state in './sync-state.svelte'.
 */
export * from './errors';
export * from './state';
export * from './local-db';
export * from './network';
export * from './order-view';
export * from './record-action';
export * from './engine';
