/**
 * The controller's log for operators (not build output): one line per event with its fields,
 * readable text by default, JSON lines for log collectors (`--log-format json`).
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface OperatorLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogFormat = "text" | "json";

export function createOperatorLog(out: NodeJS.WritableStream, format: LogFormat, component = "controller"): OperatorLog {
  const write = (level: string, message: string, fields: LogFields = {}): void => {
    const time = new Date().toISOString();
    const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (format === "json") {
      out.write(`${JSON.stringify({ time, level, component, msg: message, ...Object.fromEntries(defined) })}\n`);
    } else {
      const rest = defined.map(([k, v]) => `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`).join(" ");
      out.write(`${time} ${level.toUpperCase().padEnd(5)} ${component}: ${message}${rest ? ` ${rest}` : ""}\n`);
    }
  };
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}

/** A log that drops everything (library use and tests that do not look at it). */
export const silentLog: OperatorLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
