import picomatch from "picomatch";

/**
 * `-only` / `-except` patterns. A pattern names a build (or, for `-except`, a post-processor)
 * exactly, as Packer 1.6.6 does for JSON templates, or is a glob as in Packer's HCL2 mode (gobwas/glob
 * without separators): `*` matches any run of characters, `.` and `/` included; `?`, `[ab]` and
 * `{a,b}` work too.
 */
export class NameFilter {
  private readonly matchers: ((name: string) => boolean)[];

  constructor(readonly patterns: readonly string[]) {
    this.matchers = patterns.filter((p) => p !== "").map((p) => {
      const glob = picomatch(p, { bash: true, dot: true });
      return (name: string) => name === p || glob(name);
    });
  }

  get empty(): boolean {
    return this.matchers.length === 0;
  }

  matches(name: string): boolean {
    return this.matchers.some((m) => m(name));
  }
}

/** Whether a build runs under `-only` and `-except`. */
export function buildSelected(name: string, only: NameFilter, except: NameFilter): boolean {
  if (!only.empty && !only.matches(name)) return false;
  return !except.matches(name);
}
