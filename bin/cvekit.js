#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-old-space-size=192 --max-semi-space-size=2
// The `cvekit` command. Runs the TypeScript sources directly through Node 24's type stripping.
import { main } from '../src/cli/index.ts';

const code = await main(process.argv.slice(2));
process.exitCode = code;
