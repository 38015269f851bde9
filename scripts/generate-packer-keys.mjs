#!/usr/bin/env node
// Generates shared/components/packer-keys/keys.generated.ts: every configuration key (and its Go
// type) of every builder, provisioner and post-processor Packer 1.6.6 ships, read from Packer's
// own generated `*.hcl2spec.go` files (the FlatConfig structs mapstructure-to-hcl2 writes), plus
// each plugin's `PluginType` (which decides whether an unknown key is reported as deprecated).
//
// Facts are taken from Packer's source, never copied by hand:
//   node scripts/generate-packer-keys.mjs --git-dir /path/to/packer/.git [--ref v1.6.6]
//   node scripts/generate-packer-keys.mjs --src /path/to/packer-checkout
// (`npm run schemas` runs the first form against $PACKER_GIT_DIR.)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const gitDir = opt("--git-dir") ?? process.env.PACKER_GIT_DIR;
const src = opt("--src");
const ref = opt("--ref") ?? "v1.6.6";
if (!gitDir && !src) {
  console.error("usage: generate-packer-keys.mjs --git-dir <packer .git> [--ref v1.6.6] | --src <packer checkout>");
  process.exit(2);
}
const MODULE = "github.com/hashicorp/packer/";

/** Packer's source tree at the chosen version: list a folder, read a file. */
const tree = gitDir
  ? {
      list(dir) {
        try {
          return execFileSync("git", ["--git-dir", gitDir, "ls-tree", "--name-only", `${ref}:${dir}`], { encoding: "utf8" }).split("\n").filter(Boolean);
        } catch {
          return [];
        }
      },
      read(path) {
        return execFileSync("git", ["--git-dir", gitDir, "show", `${ref}:${path}`], { encoding: "utf8", maxBuffer: 64 << 20 });
      },
    }
  : {
      list(dir) {
        const full = join(src, dir);
        return existsSync(full) && statSync(full).isDirectory() ? readdirSync(full) : [];
      },
      read(path) {
        return readFileSync(join(src, path), "utf8");
      },
    };

function goFiles(pkg) {
  return tree.list(pkg).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go")).map((f) => `${pkg}/${f}`);
}

/** import alias → package folder (relative to the module), for one Go file. */
function importsOf(text) {
  const out = new Map();
  const block = text.match(/import\s*\(([\s\S]*?)\)/);
  const lines = block ? block[1].split("\n") : [];
  const single = text.match(/^import\s+(\w+\s+)?"([^"]+)"/m);
  if (single) lines.push(`${single[1] ?? ""}"${single[2]}"`);
  for (const line of lines) {
    const m = line.trim().match(/^(\w+\s+)?"([^"]+)"$/);
    if (!m) continue;
    const path = m[2];
    const alias = m[1] ? m[1].trim() : path.split("/").pop();
    out.set(alias, path.startsWith(MODULE) ? path.slice(MODULE.length) : path);
  }
  return out;
}

// --- 1. Flat structs of every hcl2spec file: package → struct name → [{key, goType, imports}].
const flatStructs = new Map();
function loadFlatStructs(pkg) {
  if (flatStructs.has(pkg)) return flatStructs.get(pkg);
  const structs = new Map();
  flatStructs.set(pkg, structs);
  for (const file of tree.list(pkg).filter((f) => f.endsWith(".hcl2spec.go"))) {
    const text = tree.read(`${pkg}/${file}`);
    const imports = importsOf(text);
    for (const m of text.matchAll(/^type (Flat\w+) struct \{\n([\s\S]*?)^\}/gm)) {
      const fields = [];
      for (const line of m[2].split("\n")) {
        // mapstructure's tag names the key; without one (the sleep provisioner) the cty tag has it.
        const f = line.match(/^\s+\w+\s+(.+?)\s+`mapstructure:"([^"]*)"/) ?? line.match(/^\s+\w+\s+(.+?)\s+`cty:"([^"]*)"/);
        if (!f) continue;
        const key = f[2].split(",")[0];
        if (!key) continue;
        fields.push({ key, goType: f[1], required: /required:"true"/.test(line) });
      }
      structs.set(m[1], { fields, imports });
    }
  }
  return structs;
}

/** Kiln's compact type notation: s b i u f (scalars; u unsigned), [T] (list), {T} (map of T), @Name (struct), * (anything). */
function typeOf(goType, pkg, imports, structsOut) {
  let t = goType.replace(/^\*/, "");
  if (t.startsWith("[]")) return `[${typeOf(t.slice(2), pkg, imports, structsOut)}]`;
  const map = t.match(/^map\[string\](.+)$/);
  if (map) return `{${typeOf(map[1], pkg, imports, structsOut)}}`;
  if (t === "string") return "s";
  if (t === "bool") return "b";
  if (/^int(8|16|32|64)?$/.test(t)) return "i";
  if (/^uint(8|16|32|64)?$/.test(t)) return "u";
  if (/^float(32|64)$/.test(t)) return "f";
  if (t === "interface{}" || t === "config.Trilean" || t === "Trilean") return t.includes("Trilean") ? "b" : "*";
  const named = t.match(/^(?:(\w+)\.)?(Flat\w+)$/);
  if (named) {
    const owner = named[1] ? imports.get(named[1]) : pkg;
    if (!owner) throw new Error(`cannot resolve package of ${goType} in ${pkg}`);
    const name = named[2].slice("Flat".length);
    const id = `${owner.split("/").slice(-2).join("/")}.${name}`;
    if (!structsOut.has(id)) {
      structsOut.set(id, null); // placeholder: breaks cycles
      const def = loadFlatStructs(owner).get(named[2]);
      if (!def) throw new Error(`no ${named[2]} in ${owner}`);
      structsOut.set(id, fieldsOf(def, owner, structsOut));
    }
    return `@${id}`;
  }
  return "*"; // a Go type this notation does not describe (cty values, raw HCL): accepted as anything
}

function fieldsOf(def, pkg, structsOut) {
  const out = {};
  for (const f of def.fields) out[f.key] = typeOf(f.goType, pkg, def.imports, structsOut);
  return out;
}

// --- 2. Which package and struct each type name uses, and its PluginType.
const pluginGo = tree.read("command/plugin.go");
const pluginImports = importsOf(pluginGo);
function tableOf(varName) {
  const body = pluginGo.match(new RegExp(`var ${varName} = map\\[string\\][\\w.]+\\{([\\s\\S]*?)\\n\\}`))[1];
  return [...body.matchAll(/"([\w-]+)":\s+new\((\w+)\.(\w+)\)/g)].map((m) => ({ type: m[1], pkg: pluginImports.get(m[2]), struct: m[3] }));
}

/** Follows `type Builder = otherpkg.Builder` aliases (proxmox → proxmox/iso). */
function resolvePluginPackage(pkg, structName) {
  for (const file of goFiles(pkg)) {
    const text = tree.read(file);
    const alias = text.match(new RegExp(`^type ${structName} = (\\w+)\\.${structName}`, "m"));
    if (alias) return resolvePluginPackage(importsOf(text).get(alias[1]), structName);
  }
  return pkg;
}

/** The package and name of the config struct a plugin decodes into (`config Config`, `config sl.Config`). */
function configStructOf(pkg, structName) {
  for (const file of goFiles(pkg)) {
    const text = tree.read(file);
    const body = text.match(new RegExp(`^type ${structName} struct \\{([\\s\\S]*?)^\\}`, "m"));
    if (!body) continue;
    const field = body[1].match(/^\s+config\s+\*?(?:(\w+)\.)?(\w+)/m);
    if (!field) continue;
    return { pkg: field[1] ? importsOf(text).get(field[1]) : pkg, name: field[2] };
  }
  return { pkg, name: structName }; // the plugin decodes into itself (the sleep provisioner)
}

function constantValue(pkg, expr, imports) {
  if (expr.startsWith('"')) return JSON.parse(expr);
  const [owner, name] = expr.includes(".") ? [imports.get(expr.split(".")[0]), expr.split(".")[1]] : [pkg, expr];
  for (const file of goFiles(owner)) {
    const m = tree.read(file).match(new RegExp(`\\b${name}\\s*=\\s*("[^"]*")`));
    if (m) return JSON.parse(m[1]);
  }
  return undefined;
}

/** The `PluginType` a plugin's Prepare passes to config.Decode, if any (in its package or its config's). */
function pluginTypeOf(pkgs) {
  for (const pkg of pkgs) {
    for (const file of goFiles(pkg)) {
      const text = tree.read(file);
      const m = text.match(/PluginType:\s*([\w."-]+)/);
      if (m) return constantValue(pkg, m[1], importsOf(text));
    }
  }
  return undefined;
}

const structs = new Map();
const result = {};
for (const [kind, varName] of [["builder", "Builders"], ["provisioner", "Provisioners"], ["post-processor", "PostProcessors"]]) {
  result[kind] = {};
  for (const entry of tableOf(varName)) {
    const pkg = resolvePluginPackage(entry.pkg, entry.struct);
    const cfg = configStructOf(pkg, entry.struct);
    const def = loadFlatStructs(cfg.pkg).get(`Flat${cfg.name}`) ?? loadFlatStructs(cfg.pkg).get("FlatConfig");
    if (!def) throw new Error(`${kind} ${entry.type}: no Flat${cfg.name} in ${cfg.pkg}`);
    const keys = fieldsOf(def, cfg.pkg, structs);
    const required = def.fields.filter((f) => f.required).map((f) => f.key);
    const pluginType = pluginTypeOf([...new Set([pkg, cfg.pkg])]);
    result[kind][entry.type] = { ...(pluginType ? { pluginType } : {}), keys, documentedRequired: required };
  }
}

// --- 3. Packer's table of deprecated keys (the ones `packer fix` rewrites).
const deprecatedGo = tree.read("packer-plugin-sdk/template/config/deprecated_options.go");
const deprecated = {};
for (const m of deprecatedGo.matchAll(/"([^"]+)":\s+\[\]string\{([^}]*)\}/g)) {
  deprecated[m[1]] = [...m[2].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

const out = join(dirname(fileURLToPath(import.meta.url)), "../shared/components/packer-keys/keys.generated.ts");
const sortedStructs = Object.fromEntries([...structs.entries()].sort(([a], [b]) => a.localeCompare(b)));
const text = `// Code generated by scripts/generate-packer-keys.mjs from Packer ${ref}'s *.hcl2spec.go files; DO NOT EDIT.
// Type notation: s string, b bool, i integer, u unsigned integer, f float, [T] list of T, {T} map of T, @Name a struct
// from STRUCTS, * anything.
import type { PackerKeyTables } from "./types.js";

export const PACKER_VERSION = ${JSON.stringify(ref.replace(/^v/, ""))};

export const TABLES: PackerKeyTables = ${JSON.stringify({ components: result, structs: sortedStructs, deprecated }, null, 1)};
`;
writeFileSync(out, text);
const count = (k) => Object.keys(result[k]).length;
console.log(`wrote ${out}: ${count("builder")} builders, ${count("provisioner")} provisioners, ${count("post-processor")} post-processors, ${structs.size} nested structs`);
