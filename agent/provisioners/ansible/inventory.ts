/**
 * Packer's inventory file: one host line (from `inventory_file_template` or Packer's default for
 * Ansible 2+), repeated under each of `groups`, then each of `empty_groups` with no host.
 */
import { render } from "../../../shared/template/interpolate/index.js";
import type { InterpolationContext } from "../../../shared/template/interpolate/context.js";

export const DEFAULT_SSH_INVENTORY_V2 = "{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} ansible_port={{ .Port }}\n";
export const DEFAULT_SSH_INVENTORY_V1 = "{{ .HostAlias }} ansible_ssh_host={{ .Host }} ansible_ssh_user={{ .User }} ansible_ssh_port={{ .Port }}\n";

export interface InventoryInput {
  template?: string;
  ansibleMajorVersion: number;
  data: Record<string, unknown>;
  groups: readonly string[];
  emptyGroups: readonly string[];
  interpolation: InterpolationContext;
}

export function inventoryText(i: InventoryInput): string {
  const template = i.template ?? (i.ansibleMajorVersion > 0 && i.ansibleMajorVersion < 2 ? DEFAULT_SSH_INVENTORY_V1 : DEFAULT_SSH_INVENTORY_V2);
  let host: string;
  try {
    host = render(template, { ...i.interpolation, data: i.data });
  } catch (e) {
    throw new Error(`Error generating inventory file from template: ${(e as Error).message}`);
  }
  let text = host;
  for (const g of i.groups) text += `[${g}]\n${host}`;
  for (const g of i.emptyGroups) text += `[${g}]\n`;
  return text;
}
