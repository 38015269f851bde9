/**
 * How Packer 1.6.6's decoder (mapstructure) finds a field's key in a JSON object: the key spelt
 * exactly as the field's name, else any key equal to it under Go's strings.EqualFold
 * ("SSH_Username" sets ssh_username). Map keys (variables, tags) are never folded.
 */

/** strings.EqualFold for a field name made of ASCII: letters match in either case; the Kelvin sign folds to k, the long s to s. */
export function goEqualFold(key: string, field: string): boolean {
  const a = [...key];
  const b = [...field];
  if (a.length !== b.length) return false;
  return a.every((c, i) => c === b[i] || foldRune(c) === foldRune(b[i]!));
}

function foldRune(c: string): string {
  if (c === "\u212a") return "k";
  if (c === "\u017f") return "s";
  return c.length === 1 && c < "\u0080" ? c.toLowerCase() : c;
}

/**
 * The key of `fields` that a decoder field named `field` takes: the exact key, else the first
 * key (in template order) that folds to it. Go picks among several folded keys in map order,
 * which is random; Kiln takes the first so that the same template always gives the same result.
 */
export function foldedKey(fields: Record<string, unknown>, field: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(fields, field)) return field;
  return Object.keys(fields).find((k) => goEqualFold(k, field));
}

/**
 * A read-only view of a decoded JSON object whose properties are found as the decoder finds them:
 * `view.storage_pool` is the "Storage_Pool" written in the template.
 */
export function foldedView(fields: Record<string, unknown>): Readonly<Record<string, unknown>> {
  return new Proxy(fields, { get: (target, prop) => (typeof prop === "string" ? foldedValue(target, prop) : undefined) });
}

/** The value a decoder field named `field` takes from `fields` (undefined when no key matches). */
export function foldedValue(fields: Record<string, unknown>, field: string): unknown {
  const key = foldedKey(fields, field);
  return key === undefined ? undefined : fields[key];
}
