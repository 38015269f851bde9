/**
 * The first minutes with `kiln` as with `packer` 1.6.6: top-level help, version, unknown
 * commands, and how Packer's commands answer bad flags and a wrong number of arguments. Texts,
 * streams and exit codes were taken from real `packer` 1.6.6 runs (packer → kiln).
 */
import test from "ava";
import { kilnIn, workspace } from "./kiln-process.js";

const TEMPLATE = { variables: { x: "1" }, builders: [{ type: "null", communicator: "none" }] };

function dir(): string {
  return workspace({ "t.json": TEMPLATE });
}

const HELP_HEAD = "Usage: kiln [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n";

test("no command: the help on stdout, exit 127 (mitchellh/cli)", (t) => {
  const r = kilnIn(dir(), []);
  t.is(r.status, 127);
  t.is(r.stderr, "");
  t.true(r.stdout.startsWith(HELP_HEAD), r.stdout);
  t.regex(r.stdout, /\n {4}build {11}build image\(s\) from template\n/);
  t.regex(r.stdout, /\n {4}console {9}creates a console for testing variable interpolation\n/);
  t.regex(r.stdout, /\n {4}fmt {13}Rewrites HCL2 config files to canonical format\n/);
  t.regex(r.stdout, /\n {4}version {9}Prints the Kiln version\n\n$/);
  for (const extra of ["controller", "agent", "submit", "builds", "logs", "artifacts", "agents"]) t.regex(r.stdout, new RegExp(`\\n {4}${extra} +\\S`), extra);
});

test("--help, -h, -help: the same help on stdout, exit 0", (t) => {
  const d = dir();
  const none = kilnIn(d, []).stdout;
  for (const flag of ["--help", "-h", "-help"]) {
    const r = kilnIn(d, [flag]);
    t.is(r.status, 0, flag);
    t.is(r.stderr, "", flag);
    t.is(r.stdout, none, flag);
  }
});

test("`help` and an unknown or misspelt command: the help on stdout, exit 127, as packer prints", (t) => {
  const d = dir();
  const none = kilnIn(d, []).stdout;
  for (const name of ["help", "biuld", "foo"]) {
    const r = kilnIn(d, [name]);
    t.is(r.status, 127, name);
    t.is(r.stderr, "", name);
    t.is(r.stdout, none, name);
  }
});

test("--version, -v, -version print the bare version; `version` prints 'Kiln vX'", (t) => {
  const d = dir();
  for (const flag of ["--version", "-v", "-version"]) {
    const r = kilnIn(d, [flag]);
    t.is(r.status, 0);
    t.regex(r.stdout, /^\d+\.\d+\.\d+\n$/, flag);
  }
  const m = kilnIn(d, ["-machine-readable", "--version"]);
  t.regex(m.stdout, /^\d+\.\d+\.\d+\n$/, "packer -machine-readable --version prints 1.6.6 alone");
  const v = kilnIn(d, ["version"]);
  t.is(v.status, 0);
  t.regex(v.stdout, /^Kiln v\d+\.\d+\.\d+\n$/);
});

test("-machine-readable version, before or after the command: Packer's four lines ('version-prelease' included)", (t) => {
  const d = dir();
  for (const args of [["-machine-readable", "version"], ["version", "-machine-readable"]]) {
    const r = kilnIn(d, args);
    t.is(r.status, 0);
    t.regex(r.stdout, /^(\d+),,version,(\d+\.\d+\.\d+)\n\1,,version-prelease,\n\1,,version-commit,\n\1,,ui,say,Kiln v\2\n$/, args.join(" "));
  }
});

test("-machine-readable after the template is taken out as packer's main does (validate exits 0)", (t) => {
  const r = kilnIn(dir(), ["validate", "t.json", "-machine-readable"]);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(r.stdout, "");
});

const PACKER_COMMANDS = ["build", "validate", "inspect", "console", "fmt", "fix", "hcl2_upgrade"];

test("an unknown flag: the command's help then Go's flag error, both on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of PACKER_COMMANDS) {
    const help = kilnIn(d, [c, "--help"]).stdout;
    const r = kilnIn(d, [c, "-bogus", "t.json"]);
    t.is(r.status, 1, c);
    t.is(r.stderr, "", c);
    t.is(r.stdout, `${help}flag provided but not defined: -bogus\n`, c);
  }
});

test("no template or two templates (or a flag after the template): the help alone on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of ["build", "validate", "inspect", "fmt", "fix", "hcl2_upgrade"]) {
    const help = kilnIn(d, [c, "-h"]).stdout;
    for (const args of [[], ["t.json", "t.json"], ["t.json", "-var", "x=2"]]) {
      const r = kilnIn(d, [c, ...args]);
      t.is(r.status, 1, `${c} ${args.join(" ")}`);
      t.is(r.stderr, "", `${c} ${args.join(" ")}`);
      t.is(r.stdout, help, `${c} ${args.join(" ")}`);
    }
  }
});

test("-var without '=': Go's invalid-value error after the help, on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of ["build", "validate", "inspect", "console"]) {
    const help = kilnIn(d, [c, "-h"]).stdout;
    const r = kilnIn(d, [c, "-var", "x", "t.json"]);
    t.is(r.status, 1, c);
    t.is(r.stderr, "", c);
    t.is(r.stdout, `${help}invalid value "x" for flag -var: No '=' value in arg: x\n`, c);
  }
});

test("build -on-error=bogus: Go's invalid-value error listing the choices, on stdout, exit 1", (t) => {
  const d = dir();
  const help = kilnIn(d, ["build", "-h"]).stdout;
  const r = kilnIn(d, ["build", "-on-error=bogus", "t.json"]);
  t.is(r.status, 1);
  t.is(r.stderr, "");
  t.is(r.stdout, `${help}invalid value "bogus" for flag -on-error: expected one of ["cleanup" "abort" "ask" "run-cleanup-provisioner"]\n`);
});

test("a template path that is not there: Packer's stat error before any parsing, on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of ["build", "validate", "inspect", "console"]) {
    const r = kilnIn(d, [c, "nope.json"]);
    t.is(r.status, 1, c);
    t.is(r.stderr, "", c);
    t.is(r.stdout, `"nope.json": stat nope.json: no such file or directory\n`, c);
    const m = kilnIn(d, ["-machine-readable", c, "nope.json"]);
    t.is(m.status, 1, c);
    t.regex(m.stdout, /^\d+,,ui,error,"nope\.json": stat nope\.json: no such file or directory\n$/, c);
  }
});

/** packer 1.6.6 `<command> --help`, as printed by a real run, "packer" read as "kiln". */
const PACKER_HELP: Record<string, string> = {
  build: "Usage: kiln build [options] TEMPLATE\n\n  Will execute multiple builds in parallel as defined in the template.\n  The various artifacts created by the template will be outputted.\n\nOptions:\n\n  -color=false                  Disable color output. (Default: color)\n  -debug                        Debug mode enabled for builds.\n  -except=foo,bar,baz           Run all builds and post-processors other than these.\n  -only=foo,bar,baz             Build only the specified builds.\n  -force                        Force a build to continue if artifacts exist, deletes existing artifacts.\n  -machine-readable             Produce machine-readable output.\n  -on-error=[cleanup|abort|ask|run-cleanup-provisioner] If the build fails do: clean up (default), abort, ask, or run-cleanup-provisioner.\n  -parallel-builds=1            Number of builds to run in parallel. 1 disables parallelization. 0 means no limit (Default: 0)\n  -timestamp-ui                 Enable prefixing of each ui output with an RFC3339 timestamp.\n  -var 'key=value'              Variable for templates, can be used multiple times.\n  -var-file=path                JSON or HCL2 file containing user variables.\n",
  validate: "Usage: kiln validate [options] TEMPLATE\n\n  Checks the template is valid by parsing the template and also\n  checking the configuration with the various builders, provisioners, etc.\n\n  If it is not valid, the errors will be shown and the command will exit\n  with a non-zero exit status. If it is valid, it will exit with a zero\n  exit status.\n\nOptions:\n\n  -syntax-only           Only check syntax. Do not verify config of the template.\n  -except=foo,bar,baz    Validate all builds other than these.\n  -only=foo,bar,baz      Validate only these builds.\n  -var 'key=value'       Variable for templates, can be used multiple times.\n  -var-file=path         JSON or HCL2 file containing user variables. [ Note that even in HCL mode this expects file to contain JSON, a fix is comming soon ]\n",
  inspect: "Usage: kiln inspect TEMPLATE\n\n  Inspects a template, parsing and outputting the components a template\n  defines. This does not validate the contents of a template (other than\n  basic syntax by necessity).\n\nOptions:\n\n  -machine-readable  Machine-readable output\n",
  console: "Usage: kiln console [options] [TEMPLATE]\n\n  Creates a console for testing variable interpolation.\n  If a template is provided, this command will load the template and any\n  variables defined therein into its context to be referenced during\n  interpolation.\n\nOptions:\n  -var 'key=value'       Variable for templates, can be used multiple times.\n  -var-file=path         JSON or HCL2 file containing user variables. [ Note that even in HCL mode this expects file to contain JSON, a fix is comming soon ]\n",
  fmt: "Usage: kiln fmt [options] [TEMPLATE]\n\n  Rewrites all Packer configuration files to a canonical format. Both\n  configuration files (.pkr.hcl) and variable files (.pkrvars.hcl) are updated.\n  JSON files (.json) are not modified.\n\n  If TEMPATE is \".\" the current directory will be used. The given content must\n  be in Packer's HCL2 configuration language; JSON is not supported.\n\nOptions:\n  -check        Check if the input is formatted. Exit status will be 0 if all\n                 input is properly formatted and non-zero otherwise.\n\n  -diff         Display diffs of formatting change\n\n  -write=false  Don't write to source files\n                (always disabled if using -check)\n",
  fix: "Usage: kiln fix [options] TEMPLATE\n\n  Reads the JSON template and attempts to fix known backwards\n  incompatibilities. The fixed template will be outputted to standard out.\n\n  If the template cannot be fixed due to an error, the command will exit\n  with a non-zero exit status. Error messages will appear on standard error.\n\nFixes that are run (in order):\n\n  iso-md5                    Replaces \"iso_md5\" in builders with \"iso_checksum\"\n  createtime                 Replaces \".CreateTime\" in builder configs with \"{{timestamp}}\"\n  virtualbox-gaattach        Updates VirtualBox builders using \"guest_additions_attach\" to use \"guest_additions_mode\"\n  pp-vagrant-override        Fixes provider-specific overrides for Vagrant post-processor\n  virtualbox-rename          Updates \"virtualbox\" builders to \"virtualbox-iso\"\n  vmware-rename              Updates \"vmware\" builders to \"vmware-iso\"\n  parallels-headless         Removes unused \"headless\" from Parallels builders\n  parallels-deprecations     Removes deprecated \"parallels_tools_host_path\" from Parallels builders and changes \"guest_os_distribution\" to \"guest_os_type\".\n  sshkeypath                 Updates builders using \"ssh_key_path\" to use \"ssh_private_key_file\"\n  sshdisableagent            Updates builders using \"ssh_disable_agent\" to use \"ssh_disable_agent_forwarding\"\n  scaleway-access-key        Updates builders using \"access_key\" to use \"organization_id\"\n  manifest-filename          Updates \"manifest\" post-processor so any \"filename\" field is renamed to \"output\".\n  amazon-shutdown_behavior   Changes \"shutdown_behaviour\" to \"shutdown_behavior\" in Amazon builders.\n  amazon-enhanced-networking Replaces \"enhanced_networking\" in builders with \"ena_support\"\n  amazon-private-ip          Replaces `\"ssh_private_ip\": true` in amazon builders with `\"ssh_interface\": \"private_ip\"`\n  amazon-temp-sec-cidrs      Replaces \"temporary_security_group_source_cidr\" (string) with \"temporary_security_group_source_cidrs\" (list of strings)\n  docker-email               Removes \"login_email\" from the Docker builder.\n  docker-tag-tags            Updates \"docker\" post-processor so any \"tag\" field is renamed to \"tags\".\n  powershell-escapes         Removes PowerShell escapes from user env vars and elevated username and password strings\n  vmware-compaction          Adds \"skip_compaction = true\" to \"vmware-iso\" builders with incompatible disk_type_id\n  hyperv-deprecations        Removes the deprecated \"vhd_temp_path\" setting from Hyper-V ISO builder templates\n  hyperv-vmxc-typo           Fixes a typo replacing \"clone_from_vmxc_path\" with \"clone_from_vmcx_path\" in Hyper-V VMCX builder templates\n  hyperv-cpu-and-ram         Replaces \"cpu\" with \"cpus\" and \"ram_size\" with \"memory\"in Hyper-V VMCX builder templates\n  clean-image-name           Replaces /clean_(image|ami)_name/ in builder configs with \"clean_resource_name\"\n  spot-price-auto-product    Removes the deprecated \"spot_price_auto_product\" setting from Amazon builder templates\n  qemu-disk-size             Updates \"disk_size\" from int to string in QEMU builders.\n  galaxy-command             Replaces \"galaxycommand\" in ansible-local provisioner configs with \"galaxy_command\"\n  comm-config                Remove ssh prefixes from communicator port forwarding configuration (host_port_min, host_port_max, skip_nat_mapping)\n  ssh-wait-timeout           Replaces \"ssh_wait_timeout\" with \"ssh_timeout\"\n  vsphere-iso-net-disk       Removes deprecated network and disk fields from \"vsphere-iso\" builder\n  iso-checksum-type-and-url  Puts content of potential \"iso_checksum_url\" and \"iso_checksum_url\" in \"iso_checksum\"\n  qemu-host-port             Updates ssh_host_port_min and ssh_host_port_max to host_port_min and host_port_max\n  azure-exclude_from_latest  Changes \"exlude_from_latest\" to \"exclude_from_latest\" in Azure builders.\n  proxmox-type               Updates the builder type proxmox to proxmox-iso\n\nOptions:\n\n  -validate=true      If true (default), validates the fixed template.\n",
  hcl2_upgrade: "Usage: kiln hcl2_upgrade -output-file=JSON_TEMPLATE.pkr.hcl JSON_TEMPLATE...\n\n  Will transform your JSON template into an HCL2 configuration.\n",
};

test("the Packer commands' --help is packer's help (usage line, wording, options); Kiln's own flags come after it", (t) => {
  const d = dir();
  for (const [c, packerText] of Object.entries(PACKER_HELP)) {
    const r = kilnIn(d, [c, "--help"]);
    t.is(r.status, 0, c);
    t.is(r.stderr, "", c);
    t.true(r.stdout.startsWith(packerText.replace(/\n$/, "")), `${c}:\n${r.stdout}`);
    const after = r.stdout.slice(packerText.length - 1);
    t.true(after === "\n" || after.startsWith("\n\nKiln"), `${c}: what follows Packer's help starts with "Kiln": ${JSON.stringify(after.slice(0, 40))}`);
  }
});

test("a -var-file that is not there (JSON template): Go's open error alone, after the template parsed, exit 1", (t) => {
  const d = workspace({ "t.json": TEMPLATE, "bad.json": "this is { not json\n" });
  for (const c of ["build", "validate", "inspect"]) {
    const r = kilnIn(d, [c, "-var-file=nope.json", "t.json"]);
    t.is(r.status, 1, c);
    t.is(r.stderr, "", c);
    t.is(r.stdout, "open nope.json: no such file or directory\n", c);
    const m = kilnIn(d, ["-machine-readable", c, "-var-file=nope.json", "t.json"]);
    t.regex(m.stdout, /^\d+,,ui,error,open nope\.json: no such file or directory\n$/, c);
    const first = kilnIn(d, [c, "-var-file=nope.json", "bad.json"]);
    t.is(first.status, 1, c);
    t.true(first.stdout.startsWith("Failed to parse template: "), `${c}: the template is parsed first`);
  }
});

test("version --help says what the command does", (t) => {
  const r = kilnIn(dir(), ["version", "--help"]);
  t.is(r.status, 0);
  t.is(r.stdout, "Prints the Kiln version.\n");
});

test("build -parallel-builds reads a Go int: 'abc' and out-of-range values are Go's flag errors; -1 and 0x2 build", (t) => {
  const d = dir();
  const help = kilnIn(d, ["build", "-h"]).stdout;
  const bad = kilnIn(d, ["build", "-parallel-builds=abc", "t.json"]);
  t.is(bad.status, 1);
  t.is(bad.stdout, `${help}invalid value "abc" for flag -parallel-builds: parse error\n`);
  const huge = kilnIn(d, ["build", "-parallel-builds=99999999999999999999", "t.json"]);
  t.is(huge.status, 1);
  t.true(huge.stdout.endsWith(`invalid value "99999999999999999999" for flag -parallel-builds: value out of range\n`), huge.stdout);
  for (const n of ["-1", "0x2", "0"]) {
    const r = kilnIn(d, ["build", "-color=false", `-parallel-builds=${n}`, "t.json"]);
    t.is(r.status, 0, `${n}: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /Builds finished\. The artifacts of successful builds are:/, n);
  }
});

test("a bool flag given a word that is not one: Go's 'parse error', after the help, exit 1", (t) => {
  const d = dir();
  const help = kilnIn(d, ["build", "-h"]).stdout;
  const r = kilnIn(d, ["build", "-color=maybe", "t.json"]);
  t.is(r.status, 1);
  t.is(r.stdout, `${help}invalid boolean value "maybe" for -color: parse error\n`);
});

test("fix on a file that is not there, empty, cut short or not JSON: Packer's words on stdout, exit 1", (t) => {
  const d = workspace({ "empty.json": "", "cut.json": '{"builders": [', "text.txt": "this is { not json\n" });
  const cases: [string, string][] = [
    ["nope.json", "Error opening template: open nope.json: no such file or directory\n"],
    ["empty.json", "Error parsing template: EOF\n"],
    ["cut.json", "Error parsing template: unexpected EOF\n"],
    ["text.txt", "Error parsing template: invalid character 'h' in literal true (expecting 'r')\n"],
  ];
  for (const [file, text] of cases) {
    const r = kilnIn(d, ["fix", file]);
    t.is(r.status, 1, file);
    t.is(r.stderr, "", file);
    t.is(r.stdout, text, file);
  }
});
