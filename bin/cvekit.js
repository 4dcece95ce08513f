#!/usr/bin/env node
// The `cvekit` command. Runs the TypeScript sources directly through Node 24's type stripping.
import { main } from '../src/cli/index.ts';

const code = await main(process.argv.slice(2));
process.exitCode = code;
