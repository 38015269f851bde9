// The expression tables of Packer's own interpolation unit tests (sdk-interpolate-cases.json),
// with the Go context fields mapped onto Kiln's InterpolationContext.
import test from "ava";
import { resolve } from "node:path";
import {
  InterpolationError,
  formatGoTime,
  functionsCalled,
  render,
  renderDeep,
  type InterpolationContext,
} from "../../../../shared/template/interpolate/index.js";
import { casesTest, sdkCases, type SdkCase } from "./interpolation-corpus.js";

const cases = sdkCases();

function contextOf(c: SdkCase, initTime: Date): InterpolationContext {
  const go = c.context ?? {};
  return {
    buildName: go.BuildName,
    buildType: go.BuildType,
    enableEnv: go.EnableEnv ?? false,
    env: c.environment ?? {},
    userVariables: go.UserVariables ?? {},
    templatePath: go.TemplatePath,
    generated: go.Data ?? undefined,
    packerVersion: go.CorePackerVersionString,
    initTime,
  };
}

// The property the Go test checks where it does not compare with a fixed value.
function checkProperty(c: SdkCase, output: string, ctx: InterpolationContext): boolean {
  const withinTwoSeconds = (iso: string): boolean => Math.abs(Date.parse(iso) - Date.now()) <= 2000;
  switch (c.test) {
    case "TestFuncIsotime":
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(output) && withinTwoSeconds(output);
    case "TestFuncStrftime":
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/.test(output) && withinTwoSeconds(output.replace("+0000", "Z"));
    case "TestFuncPwd":
      return output === process.cwd();
    case "TestFuncTemplatePath":
      return output === resolve(process.cwd(), "foo");
    case "TestFuncTimestamp":
      return output === String(Math.floor(ctx.initTime.getTime() / 1000)) && render("{{timestamp}}", ctx) === output;
    case "TestFuncPackerVersion":
      return output.startsWith("1.4.3-dev [DEADC0DE]");
  }
  throw new Error(`no property check known for ${c.test}`);
}

for (const file of ["funcs_test.go", "i_test.go"]) {
  (cases[file] ?? []).forEach((c, i) => {
    test(`${file} ${c.test} #${i}: ${JSON.stringify(c.input)}`, (t) => {
      const ctx = contextOf(c, new Date());
      if (c.expected_error) {
        t.throws(() => render(String(c.input), ctx), { instanceOf: InterpolationError });
        return;
      }
      const output = render(String(c.input), ctx);
      if (c.expected_output_check !== undefined) t.true(checkProperty(c, output, ctx), `${c.expected_output_check}; got ${output}`);
      else if (c.expected_output === undefined) t.fail("case has neither an expected output nor a check");
      else t.is(output, c.expected_output);
    });
  });
}

for (const c of cases["parse_test.go"] ?? []) {
  test(`parse_test.go ${c.test}: ${JSON.stringify(c.input)}`, (t) => {
    t.deepEqual([...functionsCalled(String(c.input))].sort(), c.expected_functions_called);
  });
}

for (const c of cases["render_test.go"] ?? []) {
  test(`render_test.go ${c.test} ${c.name}`, (t) => {
    const ctx: InterpolationContext = { userVariables: {}, enableEnv: false, initTime: new Date() };
    const filter = c.filter as { Include?: string[] } | null | undefined;
    const rendered = renderDeep(c.input as Record<string, unknown>, ctx, { include: filter?.Include });
    t.deepEqual(rendered, c.expected);
  });
}

casesTest("the sdk tables hold the 38 cases the README announces", (t) => {
  const total = Object.values(cases).reduce((n, list) => n + list.length, 0);
  t.is(total, 38);
  // formatGoTime is what the isotime check relies on; a fixed instant pins it.
  t.is(formatGoTime(new Date("2012-06-21T02:12:56Z"), "2006-01-02T15:04:05Z07:00"), "2012-06-21T02:12:56Z");
});
