#!/usr/bin/env node
// The CLI is compiled and bundled into dist/bundle by `npm run build` (run by `npm ci` through
// the prepare script).
import { main } from "../dist/bundle/main.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
