/** Bearer-token check for every call: `authorization: Bearer <token>` metadata, compared in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";
import { status, type Metadata } from "@grpc/grpc-js";
import { ControllerError } from "./errors.js";

/** Throws UNAUTHENTICATED unless the metadata carries the token (no token configured: all pass). */
export function checkBearerToken(metadata: Metadata, token: string | undefined): void {
  if (token === undefined) return;
  const header = metadata.get("authorization")[0];
  const given = typeof header === "string" ? /^Bearer (.+)$/i.exec(header.trim())?.[1] : undefined;
  if (given === undefined) {
    throw new ControllerError(status.UNAUTHENTICATED, "this controller requires a token: pass --token (or KILN_TOKEN)");
  }
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const digest = (s: string): Buffer => createHash("sha256").update(s).digest();
  if (!timingSafeEqual(digest(given), digest(token))) {
    throw new ControllerError(status.UNAUTHENTICATED, "the controller refused the token: check --token/KILN_TOKEN");
  }
}
