/**
 * Reads a VBoxManage command line the way VirtualBox's RTGetOpt does for the forms people use:
 * `--flag value`, `--flag=value`, positional arguments in between. Every option a command does
 * not know is refused as not implemented, so no caller silently depends on an ignored flag.
 */
import { notImplemented, VBoxManageError } from "./errors.js";

export interface OptionToken {
  name: string;
  inline?: string;
}

export class ArgReader {
  private i = 0;

  constructor(private readonly args: readonly string[], readonly command: string) {}

  get done(): boolean {
    return this.i >= this.args.length;
  }

  /** The rest, unread. */
  rest(): string[] {
    const r = this.args.slice(this.i);
    this.i = this.args.length;
    return r;
  }

  peek(): string | undefined {
    return this.args[this.i];
  }

  /** The next token if it is an option (`-x`, `--xyz`, `--xyz=v`), else undefined (left unread). */
  option(): OptionToken | undefined {
    const t = this.args[this.i];
    if (t === undefined || !t.startsWith("-") || t === "-") return undefined;
    this.i++;
    const eq = t.indexOf("=");
    return eq > 0 ? { name: t.slice(0, eq), inline: t.slice(eq + 1) } : { name: t };
  }

  /** The value of `opt`: its `=value` or the next token. */
  value(opt: OptionToken): string {
    if (opt.inline !== undefined) return opt.inline;
    const v = this.args[this.i];
    if (v === undefined) throw new VBoxManageError(`${this.command}: missing the value of ${opt.name}`);
    this.i++;
    return v;
  }

  positional(what: string): string {
    const v = this.args[this.i];
    if (v === undefined) throw new VBoxManageError(`${this.command}: missing ${what}`);
    this.i++;
    return v;
  }

  /** An option this command does not know. */
  unknown(opt: OptionToken): VBoxManageError {
    return notImplemented(`${this.command}: unknown option ${opt.name}`);
  }
}

export function onOff(opt: OptionToken, value: string): boolean {
  if (value === "on") return true;
  if (value === "off") return false;
  throw new VBoxManageError(`Invalid ${opt.name} argument '${value}' (expected on or off)`);
}

export function integer(opt: OptionToken, value: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value)) throw new VBoxManageError(`Invalid ${opt.name} argument '${value}' (expected a number)`);
  const n = Number(value);
  if (n < min || n > max) throw new VBoxManageError(`Invalid ${opt.name} argument ${n} (must be ${min}..${max})`);
  return n;
}

/** One of `allowed` (compared case-insensitively, as VirtualBox does), returned in its canonical spelling. */
export function oneOf<T extends string, I extends T = T>(opt: OptionToken, value: string, allowed: readonly T[], implemented?: readonly I[]): I {
  const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!hit) throw new VBoxManageError(`Invalid ${opt.name} argument '${value}' (one of: ${allowed.join(", ")})`);
  const ok = (implemented ?? allowed) as readonly string[];
  if (!ok.includes(hit)) throw notImplemented(`${opt.name} ${hit}`);
  return hit as I;
}
