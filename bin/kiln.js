#!/bin/sh
":" //# ; exec /usr/bin/env node --initial-old-space-size=256 "$0" "$@"
// Line 2 is read twice: by sh (this file's interpreter when run as `kiln`), as "run this file with
// node and the flags of shared/kiln-node-flags.ts" (NODE_OPTIONS cannot carry them), and by node,
// as a string and a comment. `node bin/kiln.js` works too, without the flags.
//
// The CLI is compiled and bundled into dist/bundle by `npm run build` (run by `npm ci` through
// the prepare script).
import { main } from "../dist/bundle/main.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
