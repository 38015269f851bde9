/**
 * The shape of Packer's key tables (keys.generated.ts): for every component type Packer 1.6.6
 * ships, the configuration keys its decoder accepts and their Go types, in a compact notation:
 * `s` string, `b` bool, `i` integer, `u` unsigned integer, `f` float, `[T]` list of T, `{T}` map of T, `@Name` a nested
 * struct listed in `structs`, `*` anything.
 */
export type KeyType = string;

export interface PackerComponentKeys {
  /** The `PluginType` the plugin passes to config.Decode; without one Packer never says "deprecated". */
  pluginType?: string;
  keys: Record<string, KeyType>;
  /** Keys Packer's documentation marks required (not enforced by the decoder: informative). */
  documentedRequired: string[];
}

export interface PackerKeyTables {
  components: Record<"builder" | "provisioner" | "post-processor", Record<string, PackerComponentKeys>>;
  structs: Record<string, Record<string, KeyType>>;
  /** Packer's DeprecatedOptions: plugin-type glob → keys `packer fix` rewrites. */
  deprecated: Record<string, string[]>;
}
