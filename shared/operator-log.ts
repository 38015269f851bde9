/**
 * The log for operators of the controller and agents (not a build's output, which goes to the
 * bus): one line per event, JSON lines for log collectors (`--log-format json`) or readable text
 * for a terminal. Fields never carry variable values or credentials; callers pass only names,
 * ids and counts.
 */
export type LogFields = Record<string, string | number | boolean | string[] | undefined>;

export interface OperatorLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogFormat = "text" | "json";

export function createOperatorLog(out: NodeJS.WritableStream, format: LogFormat, component: string): OperatorLog {
  const write = (level: "info" | "warn" | "error", message: string, fields: LogFields = {}): void => {
    const time = new Date().toISOString();
    const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (format === "json") {
      out.write(`${JSON.stringify({ time, level, component, msg: message, ...Object.fromEntries(defined) })}\n`);
      return;
    }
    const text = (v: unknown): string => (Array.isArray(v) ? v.join(",") : typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v));
    const extra = defined.map(([k, v]) => `${k}=${text(v)}`).join(" ");
    out.write(`${time} ${level.toUpperCase().padEnd(5)} ${component}: ${message}${extra ? ` ${extra}` : ""}\n`);
  };
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}

/** For embedders and tests that do not want the chatter. */
export const silentLog: OperatorLog = { info() {}, warn() {}, error() {} };
