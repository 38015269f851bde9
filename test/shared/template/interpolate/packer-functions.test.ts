// Packer's functions beyond what the corpus pins: variable rules, env, build data, Go string
// semantics of upper/split/replace, uuid, and functions a component adds.
import test from "ava";
import {
  BUILD_PLACEHOLDER_MESSAGE,
  InterpolationError,
  VariableNotSetError,
  cleanResourceName,
  isVariableNotSet,
  render,
  type InterpolationContext,
} from "../../../../shared/template/interpolate/index.js";

const base: InterpolationContext = {
  userVariables: { region: "eu-west-1" },
  enableEnv: false,
  initTime: new Date("2026-03-07T09:05:03Z"),
};

test("user returns a set variable, and an undeclared one renders empty outside defaults", (t) => {
  t.is(render("{{ user `region` }}|{{ user `nope` }}|", base), "eu-west-1||");
});

test("user of a declared variable without a value renders empty outside defaults, as Packer's funcGenUser", (t) => {
  t.is(render("[{{ user `later` }}]", { ...base, declaredVariables: new Set(["later"]) }), "[]");
});

test("in variable defaults a declared variable without a value yet is an error the resolver can recognise", (t) => {
  const error = t.throws(() => render("{{ user `later` }}", { ...base, enableEnv: true, declaredVariables: new Set(["later"]) }), {
    instanceOf: InterpolationError,
  });
  t.is(error.message, 'template: root:1:3: executing "root" at <user `later`>: error calling user: Error: variable not set: later');
  t.true(isVariableNotSet(error));
  t.true(error.cause instanceof VariableNotSetError);
  t.is((error.cause as VariableNotSetError).variable, "later");
});

test("in variable defaults (env enabled) every user reference must exist", (t) => {
  const error = t.throws(() => render("{{ user `nope` }}", { ...base, enableEnv: true }), { instanceOf: InterpolationError });
  t.true(isVariableNotSet(error));
  // Other errors are not "variable not set".
  t.false(isVariableNotSet(t.throws(() => render("{{ upper }}", base))));
});

test("env reads the context's environment only where it is enabled", (t) => {
  const env = { KILN_PROBE: "probe-value" };
  t.is(render("{{ env `KILN_PROBE` }}|{{ env `UNSET` }}", { ...base, enableEnv: true, env }), "probe-value|");
  const error = t.throws(() => render("{{ env `KILN_PROBE` }}", { ...base, env }), { instanceOf: InterpolationError });
  t.regex(error.message, /error calling env: env vars are not allowed here$/);
});

test("env falls back to the process environment", (t) => {
  process.env.KILN_INTERPOLATION_TEST = "from-process";
  try {
    t.is(render("{{ env `KILN_INTERPOLATION_TEST` }}", { ...base, enableEnv: true }), "from-process");
  } finally {
    delete process.env.KILN_INTERPOLATION_TEST;
  }
});

test("build reads generated data, keeps placeholders for a later pass, and errors where Packer does", (t) => {
  const generated = { ID: "i-123", Host: `Build_Host. ${BUILD_PLACEHOLDER_MESSAGE}` };
  t.is(render("{{ build `ID` }} {{ build `Host` }}", { ...base, generated }), "i-123 {{.Host}}");
  // The second pass renders the placeholder with the real data.
  t.is(render("{{.Host}}", { ...base, data: { Host: "10.0.0.5" } }), "10.0.0.5");
  t.throws(() => render("{{ build `Missing` }}", { ...base, generated }), {
    message: /error calling build: loaded data, but couldnt find Missing in it\.$/,
  });
  t.throws(() => render("{{ build `ID` }}", base), {
    message: /the given variable ID will not be passed into your plugin\.$/,
  });
});

test("upper and lower map rune by rune like Go (ß has no one-rune upper case)", (t) => {
  t.is(render("{{ upper `straße àé` }}|{{ lower `ÀÉÎ STRASSE` }}", base), "STRAßE ÀÉ|àéî strasse");
});

test("split, replace and replace_all follow Go's strings package", (t) => {
  t.is(render("{{ split `a,b,,c` `,` 2 }}|{{ split `héllo` `` 1 }}", base), "|é");
  t.is(render("{{ replace `a` `b` -1 `aaa` }}|{{ replace `a` `b` 2 `aaa` }}|{{ replace `` `-` 2 `ab` }}", base), "bbb|bba|-a-b");
  t.is(render("{{ replace_all `` `.` `ab` }}|{{ replace_all `ab` `x` `abcab` }}", base), ".a.b.|xcx");
  t.throws(() => render("{{ split `a-b` `-` -1 }}", base), { message: /error calling split: runtime error: index out of range \[-1\]$/ });
});

test("timestamp, isotime and strftime all use the one init time", (t) => {
  t.is(render("{{ timestamp }} {{ isotime }} {{ isotime `Jan 2 2006` }} {{ strftime `%Y%m%d` }}", base), "1772874303 2026-03-07T09:05:03Z Mar 7 2026 20260307");
});

test("uuid looks like a UUID, starts with the time and differs every call", (t) => {
  const [a, b] = render("{{ uuid }} {{ uuid }}", base).split(" ");
  t.regex(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.not(a, b);
  const nanos = BigInt(`0x${a.replaceAll("-", "").slice(0, 16)}`);
  const millis = Number(nanos / 1_000_000n);
  t.true(Math.abs(millis - Date.now()) < 5000, `the first 8 bytes are Unix nanoseconds: ${millis}`);
});

test("template_dir is the absolute directory of the template, pwd the working directory", (t) => {
  const ctx = { ...base, templatePath: "sub/dir/template.json", cwd: "/srv/work" };
  t.is(render("{{ template_dir }} {{ pwd }}", ctx), "/srv/work/sub/dir /srv/work");
  t.throws(() => render("{{ template_dir }}", base), { message: /error calling template_dir: template path not available$/ });
});

test("secret sources are refused outside variables and unavailable inside them", (t) => {
  t.throws(() => render("{{ consul_key `a` }}", base), { message: /consul_key is not allowed here$/ });
  t.throws(() => render("{{ consul_key `a` }}", { ...base, enableEnv: true }), { message: /consul_key is not available in Kiln/ });
  t.throws(() => render("{{ aws_secretsmanager }}", { ...base, enableEnv: true }), { message: /secret name must be provided$/ });
  t.throws(() => render("{{ aws_secretsmanager `a` `b` `c` }}", { ...base, enableEnv: true }), {
    message: /only secret name and optional secret key can be provided\.$/,
  });
});

test("a component's functions are callable, checked for arity, and may replace Packer's", (t) => {
  const ctx: InterpolationContext = {
    ...base,
    funcs: {
      clean_resource_name: (s: unknown) => cleanResourceName(String(s)),
      clean_ami_name: (s: unknown) => cleanResourceName(String(s)),
      join_all: (...parts: unknown[]) => parts.join("+"),
      upper: (s: unknown) => `custom:${String(s)}`,
    },
  };
  t.is(render("{{ clean_resource_name `a:b#c` }} {{ `x y` | clean_ami_name }}", ctx), "a-b-c x y");
  t.is(render("{{ join_all 1 `b` true }}", ctx), "1+b+true");
  t.is(render("{{ upper `a` }}", ctx), "custom:a");
  t.throws(() => render("{{ clean_resource_name }}", ctx), {
    message: 'template: root:1:3: executing "root" at <clean_resource_name>: wrong number of args for clean_resource_name: want 1 got 0',
  });
  t.throws(() => render("{{ join_all (clean_resource_name `x`) }}", { ...ctx, funcs: { join_all: () => { throw new Error("boom"); } } }), {
    message: /function "clean_resource_name" not defined/,
  });
});

test("cleanResourceName keeps what an AMI name may contain and replaces each other byte", (t) => {
  t.is(cleanResourceName("My Image: 2020/12/16 (test) #1"), "My Image- 2020/12/16 (test) -1");
  t.is(cleanResourceName("a[b]c'd@e_f.g-h"), "a[b]c'd@e_f.g-h");
  t.is(cleanResourceName("é*"), "---"); // two UTF-8 bytes, then one
});
