/** @module The `cvekit` command line. */
export { main, usage } from './main.ts';
export type { Io } from './args.ts';
