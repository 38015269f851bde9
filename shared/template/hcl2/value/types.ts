/**
 * cty's types: constructors, equality and the two ways HCL prints a type — cty's friendly names
 * ("list of string", used in conversion errors) and the type-constraint syntax (`list(string)`).
 */
import type { HclType } from "../contract.js";

export const stringType: HclType = { kind: "string" };
export const numberType: HclType = { kind: "number" };
export const boolType: HclType = { kind: "bool" };
/** cty.DynamicPseudoType: `any` in a type constraint, the type of a value whose type is not yet known. */
export const dynamicType: HclType = { kind: "dynamic" };

export function listType(element: HclType): HclType {
  return { kind: "list", element };
}
export function setType(element: HclType): HclType {
  return { kind: "set", element };
}
export function mapType(element: HclType): HclType {
  return { kind: "map", element };
}
export function tupleType(elements: HclType[]): HclType {
  return { kind: "tuple", elements };
}
export function objectType(attributes: Record<string, HclType>, optional?: string[]): HclType {
  return optional && optional.length > 0 ? { kind: "object", attributes, optional: [...optional].sort() } : { kind: "object", attributes };
}

export function isPrimitiveType(t: HclType): boolean {
  return t.kind === "string" || t.kind === "number" || t.kind === "bool";
}

export function isCollectionType(t: HclType): t is Extract<HclType, { kind: "list" | "set" | "map" }> {
  return t.kind === "list" || t.kind === "set" || t.kind === "map";
}

/** Structural equality, as cty's Type.Equals (optional markers count: they change conversion). */
export function typeEquals(a: HclType, b: HclType): boolean {
  switch (a.kind) {
    case "string":
    case "number":
    case "bool":
    case "dynamic":
      return a.kind === b.kind;
    case "list":
    case "set":
    case "map":
      return b.kind === a.kind && typeEquals(a.element, (b as typeof a).element);
    case "tuple":
      return b.kind === "tuple" && a.elements.length === b.elements.length && a.elements.every((e, i) => typeEquals(e, b.elements[i]));
    case "object": {
      if (b.kind !== "object") return false;
      const ak = Object.keys(a.attributes);
      if (ak.length !== Object.keys(b.attributes).length) return false;
      if (!ak.every((k) => Object.hasOwn(b.attributes, k) && typeEquals(a.attributes[k], b.attributes[k]))) return false;
      const ao = [...(a.optional ?? [])].sort().join("\0");
      const bo = [...(b.optional ?? [])].sort().join("\0");
      return ao === bo;
    }
  }
}

/** Whether the type contains `any` anywhere (cty's HasDynamicTypes). */
export function hasDynamicTypes(t: HclType): boolean {
  switch (t.kind) {
    case "dynamic":
      return true;
    case "list":
    case "set":
    case "map":
      return hasDynamicTypes(t.element);
    case "tuple":
      return t.elements.some(hasDynamicTypes);
    case "object":
      return Object.values(t.attributes).some(hasDynamicTypes);
    default:
      return false;
  }
}

/** cty's FriendlyName: "string", "list of map of number", "object", "tuple", "dynamic". */
export function typeString(t: HclType): string {
  return friendlyName(t, false);
}

/** cty's FriendlyNameForConstraint: like typeString but `any` reads "any type" (used in "… required"). */
export function typeStringForConstraint(t: HclType): string {
  return friendlyName(t, true);
}

function friendlyName(t: HclType, constraint: boolean): string {
  switch (t.kind) {
    case "dynamic":
      return constraint ? "any type" : "dynamic";
    case "list":
    case "set":
    case "map":
      return `${t.kind} of ${friendlyName(t.element, constraint)}`;
    default:
      return t.kind;
  }
}

/** HCL's typeexpr.TypeString: the type written as a type constraint, `map(object({a=string}))`. */
export function typeConstraintString(t: HclType): string {
  switch (t.kind) {
    case "dynamic":
      return "any";
    case "list":
    case "set":
    case "map":
      return `${t.kind}(${typeConstraintString(t.element)})`;
    case "tuple":
      return `tuple([${t.elements.map(typeConstraintString).join(",")}])`;
    case "object": {
      const optional = new Set(t.optional ?? []);
      const attrs = Object.keys(t.attributes)
        .sort()
        .map((k) => {
          const inner = typeConstraintString(t.attributes[k]);
          return `${k}=${optional.has(k) ? `optional(${inner})` : inner}`;
        });
      return `object({${attrs.join(",")}})`;
    }
    default:
      return t.kind;
  }
}

/** An object type's attribute, or undefined (own properties only: "constructor" is a fine attribute name). */
export function attributeType(t: Extract<HclType, { kind: "object" }>, name: string): HclType | undefined {
  return Object.hasOwn(t.attributes, name) ? t.attributes[name] : undefined;
}

/** Builds an attribute record safely for any name, "__proto__" included. */
export function attributeRecord(entries: Iterable<[string, HclType]>): Record<string, HclType> {
  const out: Record<string, HclType> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}
