import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";

/**
 * tree-sitter's HCL grammar, compiled to wasm (no native build). Loading is asynchronous and
 * done once per process; `initHclParser()` must have resolved before `parseHclFile` is called.
 */
let loading: Promise<Parser> | undefined;
let loaded: Parser | undefined;

export function initHclParser(): Promise<void> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    // Both wasm files are found through node's resolution, so this also works from the CLI bundle.
    const runtime = require.resolve("web-tree-sitter/web-tree-sitter.wasm");
    await Parser.init({ locateFile: () => runtime });
    const wasm = require.resolve("@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm");
    const language = await Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);
    loaded = parser;
    return parser;
  })();
  return loading.then(() => undefined);
}

export function hclParser(): Parser {
  if (!loaded) throw new Error("the HCL parser is not loaded yet: await initHclParser() first");
  return loaded;
}
