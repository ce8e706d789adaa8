#!/usr/bin/env node
// Entry point of the `sscard` command; the program itself is compiled to dist/ by `npm run build`.
import { runCli } from '../dist/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
