/**
 * GoTrue's GetReferrer/IsRedirectURLValid with the allow list a CLI user sets up: the site URL's
 * host, and loopback URLs on any port (127.0.0.1, [::1], localhost).
 */
import type { App } from "../app.js";
import type { Req } from "../http.js";

const LOOPBACK_NAME = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const LOOPBACK_IP = /^(127(?:\.\d{1,3}){3}|\[::1\])$/;

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
  // GoTrue accepts any loopback IP address; other hosts would need the allow list, which is empty.
  // http://localhost:<any port>/... is what CLIs (RFC 8252) put in the allow list, so it is allowed too.
  if (ref.protocol !== "http:" && ref.protocol !== "https:") return false;
  return LOOPBACK_IP.test(ref.hostname) || ref.hostname.toLowerCase() === "localhost";
}

export function referrer(app: App, req: Req, fromBody?: string): string {
  const candidates = [fromBody ?? "", req.query.get("redirect_to") ?? "", String(req.headers.referer ?? "")];
  for (const c of candidates) if (allowed(app, c)) return c;
  return app.siteUrl;
}
