/**
 * The controller's tokens and what each lets a caller do. The token (`--token`, KILN_TOKEN) allows
 * everything; the read-only token (`--read-token-file`, KILN_READ_TOKEN) every read — lists,
 * status, logs, watches, artifact downloads, the web console and /metrics — but nothing that
 * changes the farm. gRPC callers send `authorization: Bearer <token>`; tokens are compared in
 * constant time. No message here ever contains a token.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { status, type Metadata } from "@grpc/grpc-js";
import { ControllerError } from "./errors.js";

export interface ControllerTokens {
  /** Allows every call; unset: the API is open (and offered on loopback only). */
  token?: string;
  /** Allows only reads; needs `token` (without it everyone may do everything anyway). */
  readOnlyToken?: string;
}

/** What a caller may do: everything, or only read. */
export type Access = "full" | "read-only";

/** What a change refused to a read-only caller says (gRPC PERMISSION_DENIED, web 403). */
export function readOnlyRefusal(what: string): string {
  return `${what} changes the farm, and this call was made with the controller's read-only token: use its full token (--token/KILN_TOKEN)`;
}

/** Refuses tokens that would make no sense together (the same one twice, a read-only one alone). */
export function checkTokens(tokens: ControllerTokens): void {
  if (tokens.readOnlyToken === undefined) return;
  if (tokens.readOnlyToken === "") throw new Error("the read-only token is empty: put the token in the file (--read-token-file) or KILN_READ_TOKEN");
  if (tokens.token === undefined) throw new Error("a read-only token needs the controller's token too (--token/KILN_TOKEN): without one every caller may change the farm");
  if (sameSecret(tokens.readOnlyToken, tokens.token)) throw new Error("the read-only token is the controller's token: give it a token of its own");
}

/** The access a presented token gives, or undefined when it is neither of the controller's tokens. */
export function accessOfToken(given: string, tokens: ControllerTokens): Access | undefined {
  if (tokens.token !== undefined && sameSecret(given, tokens.token)) return "full";
  if (tokens.readOnlyToken !== undefined && sameSecret(given, tokens.readOnlyToken)) return "read-only";
  return undefined;
}

/**
 * Throws UNAUTHENTICATED unless the metadata carries one of the tokens (no token configured: all
 * pass), and PERMISSION_DENIED when `change` names a change and the token is the read-only one.
 */
export function checkBearerToken(metadata: Metadata, tokens: ControllerTokens, change?: string): void {
  if (tokens.token === undefined) return;
  const header = metadata.get("authorization")[0];
  const given = typeof header === "string" ? /^Bearer (.+)$/i.exec(header.trim())?.[1] : undefined;
  if (given === undefined) {
    throw new ControllerError(status.UNAUTHENTICATED, "this controller requires a token: pass --token (or KILN_TOKEN)");
  }
  const access = accessOfToken(given, tokens);
  if (access === undefined) throw new ControllerError(status.UNAUTHENTICATED, "the controller refused the token: check --token/KILN_TOKEN");
  if (access === "read-only" && change !== undefined) throw new ControllerError(status.PERMISSION_DENIED, readOnlyRefusal(change));
}

/** Equal strings, compared in constant time: both are hashed first, so neither length shows. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
