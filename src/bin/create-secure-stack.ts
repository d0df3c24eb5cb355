#!/usr/bin/env node
// `npm create secure-stack@latest my-app` runs this bin: it is `secure-stack new`.
import { main } from '../cli/main.js';
import { processIO } from '../cli/output.js';

process.exitCode = await main(['new', ...process.argv.slice(2)], processIO());
