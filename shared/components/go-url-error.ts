/**
 * What Go's `url.Parse` refuses, with its message (`parse "x": first path segment in URL cannot
 * contain colon`), for Prepare checks that print it (proxmox's proxmox_url). Go accepts nearly
 * anything; these are the cases it does not: control characters, a leading ":", a colon in a
 * scheme-less first segment, a bad port or host character, bad userinfo, and bad % escapes.
 */
export function goUrlParseError(rawUrl: string): string | undefined {
  const hash = rawUrl.indexOf("#");
  const url = hash >= 0 ? rawUrl.slice(0, hash) : rawUrl;
  const why = parseError(url);
  if (why) return `parse ${JSON.stringify(url)}: ${why}`;
  // A bad fragment names the whole URL.
  const fragment = hash >= 0 ? escapeError(rawUrl.slice(hash + 1)) : undefined;
  return fragment ? `parse ${JSON.stringify(rawUrl)}: ${fragment}` : undefined;
}

function parseError(url: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(url)) return "net/url: invalid control character in URL";
  if (url === "*") return undefined;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url);
  if (url.startsWith(":")) return "missing protocol scheme";
  let rest = scheme ? url.slice(scheme[0].length) : url;
  const query = rest.indexOf("?");
  if (query >= 0) rest = rest.slice(0, query);
  if (!rest.startsWith("/")) {
    if (scheme) return undefined; // opaque: "mailto:x"
    const colon = rest.indexOf(":");
    const slash = rest.indexOf("/");
    if (colon >= 0 && (slash < 0 || colon < slash)) return "first path segment in URL cannot contain colon";
  }
  if ((scheme || !rest.startsWith("///")) && rest.startsWith("//")) {
    const end = rest.indexOf("/", 2);
    const authority = end >= 0 ? rest.slice(2, end) : rest.slice(2);
    rest = end >= 0 ? rest.slice(end) : "";
    const why = authorityError(authority);
    if (why) return why;
  }
  return escapeError(rest);
}

function authorityError(authority: string): string | undefined {
  const at = authority.lastIndexOf("@");
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  const why = hostError(host);
  if (why || at < 0) return why;
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return "net/url: invalid userinfo";
  return escapeError(userinfo);
}

function hostError(host: string): string | undefined {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) return "missing ']' in host";
    const port = host.slice(close + 1);
    if (!/^(:[0-9]*)?$/.test(port)) return `invalid port ${JSON.stringify(port)} after host`;
    return undefined;
  }
  const colon = host.lastIndexOf(":");
  if (colon >= 0 && !/^:[0-9]*$/.test(host.slice(colon))) return `invalid port ${JSON.stringify(host.slice(colon))} after host`;
  const escape = escapeError(host);
  if (escape) return escape;
  const bad = /[^A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%\x80-\uffff]/.exec(host);
  return bad ? `invalid character ${JSON.stringify(bad[0])} in host name` : undefined;
}

/** Go's unescape: every "%" needs two hex digits after it. */
function escapeError(s: string): string | undefined {
  for (let i = s.indexOf("%"); i >= 0; i = s.indexOf("%", i + 1)) {
    if (!/^%[0-9A-Fa-f]{2}/.test(s.slice(i))) return `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`;
  }
  return undefined;
}
