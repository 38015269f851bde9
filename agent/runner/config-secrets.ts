/**
 * Secrets written in a component's configuration (`ssh_password`, `vnc_password`, an AWS
 * `secret_key`, `winrm_password`, a token): found by key name in the prepared config, so they are
 * masked from the build's first line of output — not only once the communicator has connected.
 */
const SECRET_KEY = /password|passphrase|secret|token|private_?key$/i;

export function configSecrets(config: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "string") {
      if (SECRET_KEY.test(key) && value.length > 0) found.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, key);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(config, "");
  return found;
}
