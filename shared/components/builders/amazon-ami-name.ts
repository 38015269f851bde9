/**
 * amazon's own template function `clean_resource_name` (and its older name `clean_ami_name`):
 * every character an AMI name may not contain becomes "-". Only amazon builders define it.
 */
export function cleanAmiName(name: unknown): string {
  return String(name).replace(/[^a-zA-Z0-9()[\] ./\-'@_]/g, "-");
}

export const AMI_NAME_CHARACTERS_PROBLEM =
  "AMIName should only contain alphanumeric characters, parentheses (()), square brackets ([]), spaces ( ), periods (.), slashes (/), dashes (-), single quotes ('), at-signs (@), or underscores(_). You can use the `clean_resource_name` template filter to automatically clean your ami name.";
