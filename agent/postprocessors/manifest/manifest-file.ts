/**
 * The manifest file's shape and its JSON text, as Packer's manifest post-processor writes it
 * (Go's encoding/json: two-space indent, `build_time` left out when 0, `null` for no files or
 * no custom data, `<`, `>`, `&` escaped).
 */
export interface ManifestBuild {
  name: string;
  builder_type: string;
  /** Unix seconds; 0 means left out (`strip_time`). */
  build_time: number;
  files: Array<{ name: string; size: number }> | null;
  artifact_id: string;
  packer_run_uuid: string;
  custom_data: Record<string, string> | null;
  /** Kiln: how many attempts the build took, when it had retries. */
  kiln_attempts?: number;
}

export interface ManifestFile {
  builds: ManifestBuild[] | null;
  last_run_uuid: string;
}

export class ManifestParseError extends Error {
  constructor(path: string, cause: string) {
    super(`Unable to parse content from ${path}: ${cause}`);
    this.name = "ManifestParseError";
  }
}

/**
 * Reads an existing manifest. Like Go's decoding into a struct, keys Packer does not know are
 * dropped and missing ones take their zero value.
 */
export function parseManifest(text: string, path: string): ManifestFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ManifestParseError(path, (e as Error).message);
  }
  if (doc === null) return { builds: null, last_run_uuid: "" };
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ManifestParseError(path, "the file does not hold a JSON object");
  const o = doc as Record<string, unknown>;
  if (o.builds !== undefined && o.builds !== null && !Array.isArray(o.builds)) throw new ManifestParseError(path, '"builds" is not a list');
  const builds = Array.isArray(o.builds) ? o.builds.map((b, i) => parseBuild(b, i, path)) : null;
  return { builds, last_run_uuid: str(o.last_run_uuid) };
}

function parseBuild(b: unknown, i: number, path: string): ManifestBuild {
  if (typeof b !== "object" || b === null || Array.isArray(b)) throw new ManifestParseError(path, `builds[${i}] is not an object`);
  const o = b as Record<string, unknown>;
  const files = Array.isArray(o.files)
    ? o.files.map((f) => {
        const fo = (typeof f === "object" && f !== null ? f : {}) as Record<string, unknown>;
        return { name: str(fo.name), size: typeof fo.size === "number" ? fo.size : 0 };
      })
    : null;
  const custom =
    typeof o.custom_data === "object" && o.custom_data !== null && !Array.isArray(o.custom_data)
      ? Object.fromEntries(Object.entries(o.custom_data as Record<string, unknown>).map(([k, v]) => [k, str(v)]))
      : null;
  return {
    name: str(o.name),
    builder_type: str(o.builder_type),
    build_time: typeof o.build_time === "number" ? o.build_time : 0,
    files,
    artifact_id: str(o.artifact_id),
    packer_run_uuid: str(o.packer_run_uuid),
    custom_data: custom,
    ...(typeof o.kiln_attempts === "number" ? { kiln_attempts: o.kiln_attempts } : {}),
  };
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The file's text, key order and escaping as Go's json.MarshalIndent(…, "", "  "). */
export function formatManifest(m: ManifestFile): string {
  const doc = {
    builds:
      m.builds?.map((b) => ({
        name: b.name,
        builder_type: b.builder_type,
        ...(b.build_time !== 0 ? { build_time: b.build_time } : {}),
        files: b.files,
        artifact_id: b.artifact_id,
        packer_run_uuid: b.packer_run_uuid,
        // Go writes map keys sorted.
        custom_data: b.custom_data === null ? null : Object.fromEntries(Object.entries(b.custom_data).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))),
        ...(b.kiln_attempts !== undefined ? { kiln_attempts: b.kiln_attempts } : {}),
      })) ?? null,
    last_run_uuid: m.last_run_uuid,
  };
  return JSON.stringify(doc, null, 2)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
