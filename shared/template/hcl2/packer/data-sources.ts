/**
 * `data "TYPE" "NAME" { … }` blocks (Packer 1.7's data sources), evaluated after the input
 * variables and before the locals, so locals and builds can read `data.TYPE.NAME.ATTR`:
 * - `null`: `input` (any value) comes back as `output` — for tests and for naming a value.
 * - `http`: GET `url` with `request_headers`; `body` and `response_headers` come back. A status
 *   other than 2xx is an error naming the URL and the code, as Packer's http data source does.
 * Other types (e.g. amazon-ami) are refused with the types Kiln knows.
 */
import type { EvalContext, HclBlock, HclDiagnostic, Value } from "../contract.js";
import { evaluate } from "../eval/index.js";
import { isNull, isWhollyKnown, mapVal, objectVal, stringType, stringVal, toJson } from "../value/index.js";

export const DATA_SOURCE_TYPES = ["null", "http"] as const;
const HTTP_TIMEOUT_MS = 60_000;

export async function evaluateDataSource(block: HclBlock, ctx: EvalContext): Promise<{ value?: Value; diagnostics: HclDiagnostic[] }> {
  const [type, name] = block.labels as [string, string];
  if (!(DATA_SOURCE_TYPES as readonly string[]).includes(type)) {
    return {
      diagnostics: [
        {
          severity: "error",
          summary: "Unknown data type",
          detail: `The data source "${type}" is not known to Kiln (it has: ${DATA_SOURCE_TYPES.join(", ")}).`,
          subject: block.labelRanges[0] ?? block.defRange,
        },
      ],
    };
  }
  const schema =
    type === "null"
      ? { attributes: [{ name: "input", required: true }], blocks: [] }
      : { attributes: [{ name: "url", required: true }, { name: "request_headers" }], blocks: [] };
  const { content, diagnostics } = block.body.content(schema);
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  const values = new Map<string, Value>();
  for (const [attrName, attr] of content.attributes) {
    const r = evaluate(attr.expr, ctx);
    diagnostics.push(...r.diagnostics);
    values.set(attrName, r.value);
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  if (type === "null") {
    const input = values.get("input")!;
    return { value: objectVal({ input, output: input }), diagnostics };
  }
  const url = values.get("url")!;
  const headersValue = values.get("request_headers");
  if (url.kind !== "string" || !isWhollyKnown(url)) {
    return { diagnostics: [{ severity: "error", summary: "Invalid url", detail: `data "http" "${name}": url must be a known string.`, subject: content.attributes.get("url")?.range }] };
  }
  const headers: Record<string, string> = {};
  if (headersValue && !isNull(headersValue)) {
    const json = toJson(headersValue);
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      return { diagnostics: [{ severity: "error", summary: "Invalid request_headers", detail: "request_headers must be a map of strings.", subject: content.attributes.get("request_headers")?.range }] };
    }
    for (const [k, v] of Object.entries(json)) headers[k] = String(v);
  }
  let response: Response;
  try {
    response = await fetch(url.value, { headers, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (e) {
    return { diagnostics: [{ severity: "error", summary: "HTTP request error", detail: `data "http" "${name}": GET ${url.value} failed: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, subject: block.defRange }] };
  }
  const body = await response.text();
  if (response.status < 200 || response.status > 299) {
    return { diagnostics: [{ severity: "error", summary: "HTTP request error", detail: `data "http" "${name}": GET ${url.value}: response code ${response.status}.`, subject: block.defRange }] };
  }
  const responseHeaders = new Map<string, Value>();
  response.headers.forEach((v, k) => responseHeaders.set(k, stringVal(v)));
  return {
    value: objectVal({
      url,
      request_headers: headersValue ?? mapVal(new Map(), stringType),
      body: stringVal(body),
      response_headers: mapVal(responseHeaders, stringType),
    }),
    diagnostics,
  };
}
