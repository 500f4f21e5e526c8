/**
 * GoTrue's GetReferrer/IsRedirectURLValid: the site URL's host, loopback URLs on any port
 * (127.0.0.1, [::1], localhost), and the configured allow list (GOTRUE_URI_ALLOW_LIST, the
 * Supabase CLI's additional_redirect_urls) matched as GoTrue's globs, without the fragment.
 */
import { isIP } from "node:net";
import type { App } from "../app.js";
import type { Req } from "../http.js";

const LOOPBACK_NAME = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const LOOPBACK_IP = /^(127(?:\.\d{1,3}){3}|\[::1\])$/;
/** GoTrue refuses http(s) redirects to hosts with unusual characters, whatever the allow list says. */
const REGULAR_HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;

function allowed(app: App, candidate: string): boolean {
  if (!candidate) return false;
  let base: URL;
  let ref: URL;
  try {
    base = new URL(app.siteUrl);
    ref = new URL(candidate);
  } catch {
    return false;
  }
  if (base.hostname === ref.hostname && base.protocol === ref.protocol) {
    // the port is not compared for loopback hosts (RFC 8252 native apps use any port)
    if (base.port === ref.port || LOOPBACK_NAME.test(ref.hostname)) return true;
  }
  const http = ref.protocol === "http:" || ref.protocol === "https:";
  // GoTrue accepts any loopback IP address. http://localhost:<any port>/... is what CLIs
  // (RFC 8252) put in the allow list, so it is allowed too.
  if (http && (LOOPBACK_IP.test(ref.hostname) || ref.hostname.toLowerCase() === "localhost")) return true;
  const host = ref.hostname.replace(/^\[(.*)\]$/, "$1");
  if (/^[0-9]+$/.test(host)) return false; // an IP address in decimal form
  if (isIP(host)) return LOOPBACK_IP.test(ref.hostname); // IP addresses: loopback ones only, never the allow list
  if (http && !REGULAR_HOSTNAME.test(ref.hostname)) return false;
  const withoutFragment = candidate.split("#")[0]!;
  return app.config.uriAllowList.some((entry) => entry.regex.test(withoutFragment));
}

export function referrer(app: App, req: Req, fromBody?: string): string {
  const candidates = [fromBody ?? "", req.query.get("redirect_to") ?? "", String(req.headers.referer ?? "")];
  for (const c of candidates) if (allowed(app, c)) return c;
  return app.siteUrl;
}
