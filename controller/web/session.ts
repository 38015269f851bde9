/**
 * The web console's session cookie: `<access>.<mac>`, the access a login was given ("full" or
 * "read-only") and an HMAC of it keyed with the token of that access. It names the role and holds
 * no token; a read-only user, who knows only the read-only token, cannot make a full session; and
 * changing a token ends the sessions made with it.
 */
import { createHmac } from "node:crypto";
import { sameSecret, type Access, type ControllerTokens } from "../auth.js";

export const SESSION_COOKIE = "kiln_session";

/** The cookie value for a login with `access` (its token must be configured). */
export function sessionValue(access: Access, tokens: ControllerTokens): string {
  const key = keyOf(access, tokens);
  if (key === undefined) throw new Error(`no ${access} token is configured`);
  return `${access}.${mac(access, key)}`;
}

/** The access a session cookie grants, or undefined when it is not one this controller made. */
export function accessOfSession(value: string, tokens: ControllerTokens): Access | undefined {
  const dot = value.indexOf(".");
  const access = value.slice(0, dot);
  if (access !== "full" && access !== "read-only") return undefined;
  const key = keyOf(access, tokens);
  return key !== undefined && sameSecret(value.slice(dot + 1), mac(access, key)) ? access : undefined;
}

function keyOf(access: Access, tokens: ControllerTokens): string | undefined {
  return access === "full" ? tokens.token : tokens.readOnlyToken;
}

function mac(access: Access, key: string): string {
  return createHmac("sha256", key).update(`kiln web session v2 ${access}`).digest("base64url");
}
