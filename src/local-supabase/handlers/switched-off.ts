/**
 * GoTrue's answers for what this server never turns on (internal/api/middleware.go, web3.go,
 * token_oidc.go): SAML SSO, passkeys, the OAuth 2.1 server (and its admin API), SCIM, custom
 * OAuth providers, manual identity linking, the web3 and id_token grants. Each is JSON with GoTrue's code, as a client
 * of a project with the feature off sees it, never a bare 404.
 */
import type { Handler } from "../app.js";
import { requireAdmin, requireAuthentication } from "../auth.js";
import { ApiError, badRequest, notFound, OAuthError, unprocessable } from "../errors.js";
import { readJson, str } from "../http.js";

interface SwitchedOff {
  /** GoTrue mounts the group with chi's Route: the prefix itself and every path below it. */
  prefix: string;
  /** Who GoTrue checks before the feature's own middleware answers. */
  caller: "anyone" | "user" | "admin";
  status: number;
  code: string;
  message: string;
}

const GROUPS: SwitchedOff[] = [
  { prefix: "/sso", caller: "anyone", status: 404, code: "saml_provider_disabled", message: "SAML 2.0 is disabled" },
  { prefix: "/passkeys", caller: "anyone", status: 404, code: "passkey_disabled", message: "Passkeys are disabled" },
  { prefix: "/oauth", caller: "anyone", status: 404, code: "feature_disabled", message: "OAuth server is disabled" },
  {
    prefix: "/user/identities",
    caller: "user",
    status: 404,
    code: "manual_linking_disabled",
    message: "Manual linking is disabled",
  },
  {
    prefix: "/user/oauth/grants",
    caller: "user",
    status: 404,
    code: "feature_disabled",
    message: "OAuth server is disabled",
  },
  {
    prefix: "/admin/oauth",
    caller: "admin",
    status: 404,
    code: "feature_disabled",
    message: "OAuth server is disabled",
  },
  { prefix: "/scim/v2", caller: "anyone", status: 404, code: "feature_disabled", message: "SCIM server is disabled" },
  {
    prefix: "/admin/custom-providers",
    caller: "admin",
    status: 404,
    code: "feature_disabled",
    message: "Custom OAuth providers are disabled",
  },
];

function answer(group: SwitchedOff): Handler {
  return async (app, req) => {
    if (group.caller === "user") await requireAuthentication(app, req);
    else if (group.caller === "admin") await requireAdmin(app, req);
    throw new ApiError(group.status, group.code, group.message);
  };
}

const HANDLERS = GROUPS.map((g) => ({ prefix: g.prefix, handler: answer(g) }));

/** The handler for any method on a path in a switched-off group, if `path` is in one. */
export function switchedOffHandler(path: string): Handler | undefined {
  return HANDLERS.find((h) => path === h.prefix || path.startsWith(`${h.prefix}/`))?.handler;
}

/** GET /.well-known/oauth-authorization-server: the OAuth 2.1 server's metadata, off. */
export const oauthServerMetadata: Handler = async () => {
  throw notFound("feature_disabled", "OAuth server is disabled");
};

/** grant_type=web3 (Sign in with Solana / Ethereum), checked before the body is read. */
export const web3Grant: Handler = async () => {
  throw unprocessable("web3_provider_disabled", "Web3 provider is disabled");
};

/** GoTrue's built-in ID-token providers with a fixed issuer (keycloak's is its unset URL). */
const FIXED_ISSUERS: Record<string, string> = {
  google: "https://accounts.google.com",
  facebook: "https://www.facebook.com",
  keycloak: "",
  kakao: "https://kauth.kakao.com",
  vercel_marketplace: "https://marketplace.vercel.com",
  snapchat: "https://accounts.snapchat.com/accounts/oauth2/token",
};
const APPLE_ISSUERS = ["https://appleid.apple.com", "https://account.apple.com"];
const AZURE_ISSUER = /^https:\/\/login\.microsoftonline\.com\/[^/]+\/v2\.0$/;

/** The unverified `iss` of a compact JWT, as GoTrue reads it to pick the Apple or Azure issuer. */
function unverifiedIssuer(idToken: string): string | undefined {
  const parts = idToken.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8"));
    if (payload === null || typeof payload !== "object") return undefined;
    const iss = (payload as Record<string, unknown>).iss;
    return typeof iss === "string" ? iss : "";
  } catch {
    return undefined;
  }
}

const invalid = (message: string) => badRequest("validation_failed", message);
const notEnabled = (issuer: string) =>
  badRequest("provider_disabled", `Provider (issuer ${JSON.stringify(issuer)}) is not enabled`);

/**
 * grant_type=id_token (signInWithIdToken): GoTrue's checks up to the provider's switch, which is
 * off for every built-in provider here; other names are not allowed issuers.
 */
export const idTokenGrant: Handler = async (app, req) => {
  const p = await readJson(
    req,
    {
      id_token: "string",
      access_token: "string",
      nonce: "string",
      provider: "string",
      client_id: "string",
      issuer: "string",
      link_identity: "bool",
    },
    "IdTokenGrantParams",
  );
  const idToken = str(p, "id_token");
  const provider = str(p, "provider");
  const issuer = str(p, "issuer");
  if (idToken === "") throw new OAuthError("invalid request", "id_token required");
  if (provider === "" && (str(p, "client_id") === "" || issuer === "")) {
    throw new OAuthError("invalid request", "provider or client_id and issuer required");
  }
  if (p.link_identity === true) {
    if (!req.headers.authorization) {
      throw new OAuthError("invalid request", "Linking requires a valid user access token in Authorization");
    }
    await requireAuthentication(app, req);
  }
  for (const [kind, matches, check] of [
    ["Apple", provider === "apple" || APPLE_ISSUERS.includes(issuer), (i: string) => APPLE_ISSUERS.includes(i)],
    ["Azure", provider === "azure" || AZURE_ISSUER.test(issuer), (i: string) => AZURE_ISSUER.test(i)],
  ] as const) {
    if (!matches) continue;
    const detected = unverifiedIssuer(idToken);
    if (detected === undefined) throw invalid(`Unable to detect issuer in ID token for ${kind} provider`);
    if (!check(detected)) throw invalid(`Detected ID token issuer is not an ${kind} ID token issuer`);
    if (issuer !== "" && issuer !== detected) throw invalid("Provided issuer does not match ID token issuer");
    throw notEnabled(detected);
  }
  const fixed = Object.entries(FIXED_ISSUERS).find(
    ([name, iss]) => provider === name || (iss !== "" && issuer === iss),
  );
  if (fixed) throw notEnabled(fixed[1]);
  if (provider.startsWith("custom:")) throw invalid("Custom OAuth providers are disabled");
  throw invalid(`Custom OIDC provider ${JSON.stringify(provider)} not allowed`);
};
