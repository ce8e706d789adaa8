#!/usr/bin/env node
// Entry point of the `sscard` command; the program itself is compiled to dist/ by `npm run build`.
import { runCli } from '../dist/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));

// A PC/SC call that the reader never answers (a virtual reader whose card went silent) stays
// blocked in a libuv pool thread after our timeout has reported it, and Node waits for that
// thread even in process.exit(). The timer is unref'd: it fires only when something native still
// holds the process 2 s after the command finished, and then ends it rather than hang. The exit
// status is then SIGKILL's (137), not the code already reported on stderr.
setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2000).unref();
