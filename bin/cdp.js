#!/usr/bin/env node
// The `cdp` command. TypeScript sources run through tsx's loader, so a checkout works after
// `npm install` with no build step, and cdp.config.ts files load the same way.
import { register } from 'tsx/esm/api';

register();
// Files cdp creates (state store, warehouse and their WAL files, exports) are its user's alone.
const { restrictUmask } = await import('../src/util/permissions.ts');
restrictUmask();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
