/**
 * ansible-playbook's arguments and environment, in Packer's order (provisioner.go createCmdArgs):
 * build name and type as extra vars, the HTTP address when the builder serves one, SSH extra
 * args (IdentitiesOnly unless the template says otherwise), the template's extra_arguments, the
 * key or password, then `-i INVENTORY PLAYBOOK` last.
 */
export interface CommandLineInput {
  packerBuildName: string;
  packerBuilderType: string;
  httpAddr?: string;
  connType: string;
  privateKeyFile?: string;
  sshExtraArgs: readonly string[];
  extraArguments: readonly string[];
  /** Direct mode with a password instead of a key (ansible runs sshpass). */
  password?: string;
  envVars: readonly string[];
  inventory: string;
  playbook: string;
}

const mentions = (name: string, list: readonly string[]): boolean => list.some((a) => a.includes(name));

export function ansibleArgs(i: CommandLineInput): string[] {
  const args: string[] = [];
  if (i.packerBuildName !== "") args.push("-e", `packer_build_name=${JSON.stringify(i.packerBuildName)}`);
  args.push("-e", `packer_builder_type=${i.packerBuilderType}`);
  if (i.httpAddr) args.push("-e", `packer_http_addr=${i.httpAddr}`);
  if (i.connType === "ssh" && i.privateKeyFile) {
    args.push("--ssh-extra-args", i.sshExtraArgs.length > 0 ? `'${i.sshExtraArgs.join("")}'` : "'-o IdentitiesOnly=yes'");
  }
  args.push(...i.extraArguments);
  if (i.password !== undefined && !mentions("ansible_password", args)) args.push("-e", `ansible_password=${i.password}`);
  if (!mentions("ansible_password", args) && i.privateKeyFile) args.push("-e", `ansible_ssh_private_key_file=${i.privateKeyFile}`);
  if (mentions("ansible_password", args) && i.connType === "ssh" && !mentions("ansible_host_key_checking", args) && !mentions("ANSIBLE_HOST_KEY_CHECKING", i.envVars)) {
    args.push("-e", "ansible_host_key_checking=False");
  }
  args.push("-i", i.inventory, i.playbook);
  return args;
}

/** "ansible-playbook [core 2.14.3]" (2.10+) or "ansible-playbook 2.9.6": the major version. */
export function ansibleMajorVersion(versionOutput: string): number | undefined {
  const m = /^ansible[\w-]*\s+(?:\[core\s+)?(\d+)\.(\d+)/m.exec(versionOutput);
  return m ? Number(m[1]) : undefined;
}
