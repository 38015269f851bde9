/**
 * The cty type Packer 1.6.6's generated HCL2 spec (`*.hcl2spec.go`, written by
 * cmd/mapstructure-to-hcl2) gives a key of the shared key tables, which hold the key's Go type:
 * strings, bools and every number kind are cty.String/Bool/Number, a slice of them a list, any
 * map `map(string)` ("for now everything can be simplified to a map[string]string"), and a struct
 * or slice of structs a nested block rather than an argument. hcldec converts an argument's value
 * to that type with cty's rules before the component sees it.
 */
import type { HclType } from "../contract.js";
import type { KeyType } from "../../../components/packer-keys/types.js";
import { boolType, dynamicType, listType, mapType, numberType, stringType } from "../value/index.js";

/** A struct (`@Name`) or a list of them (`[@Name]`): a block in the spec, not an argument. */
export function isBlockKey(type: KeyType): boolean {
  return /^\[?@/.test(type);
}

/**
 * The argument type of a non-block key. `*` (a Go type the tables do not describe: a named type
 * from outside Packer's source, such as os.FileMode) is any type: the value goes on unconverted.
 */
export function attributeTypeOf(type: KeyType): HclType {
  switch (type) {
    case "s":
      return stringType;
    case "b":
      return boolType;
    case "i":
    case "u":
    case "f":
      return numberType;
  }
  if (type.startsWith("{")) return mapType(stringType);
  if (type.startsWith("[")) {
    const element = attributeTypeOf(type.slice(1, -1));
    return element.kind === "dynamic" ? dynamicType : listType(element);
  }
  return dynamicType;
}
