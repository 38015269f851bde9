import type { ConfigReader } from "../config-reader.js";

/** Packer's HTTPConfig: the small web server a VM installer fetches preseed/kickstart files from. */
export interface HttpServerConfig {
  httpDirectory?: string;
  httpPortMin: number;
  httpPortMax: number;
  /** Empty when the template does not say (Packer then binds 0.0.0.0; builders may choose). */
  httpBindAddress: string;
}

export function readHttpServerConfig(r: ConfigReader): HttpServerConfig {
  const c: HttpServerConfig = {
    httpDirectory: r.string("http_directory") || undefined,
    httpPortMin: r.int("http_port_min", 0) || 8000,
    httpPortMax: r.int("http_port_max", 0) || 9000,
    httpBindAddress: r.string("http_bind_address", ""),
  };
  const httpInterface = r.string("http_interface", "");
  if (c.httpPortMin > c.httpPortMax) r.problem("http_port_min", "http_port_min must be less than http_port_max");
  // Packer 1.6.6 defaults the address to 0.0.0.0 before this check, so http_interface alone fails too.
  if (httpInterface !== "" && (c.httpBindAddress || "0.0.0.0") === "0.0.0.0") {
    r.problem("http_interface", "either http_interface of http_bind_address can be specified");
  }
  return c;
}
