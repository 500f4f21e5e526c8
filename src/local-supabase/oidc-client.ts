/**
 * The relying-party side of GoTrue's generic OIDC provider: discovery (cached once it
 * succeeds), the authorization URL with PKCE and a nonce, the code exchange at the token
 * endpoint (client_secret_basic, or client_secret_post when the provider wants that), and the
 * ID token checked against the provider's JWKS (issuer, audience, nonce, expiry).
 */
import { createHash, randomBytes } from "node:crypto";
import type { createRemoteJWKSet, JWTPayload } from "jose";
import { type ApiError, badRequest, unexpectedFailure } from "./errors.js";
import type { ExternalProviderOptions } from "./options.js";

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  token_endpoint_auth_methods_supported?: string[];
}

export interface ProviderTokens {
  idToken: string;
  accessToken: string | undefined;
  refreshToken: string | undefined;
}

const TIMEOUT_MS = 10_000;

/** A provider failure: the flow ends with a server_error redirect naming it. */
function providerFailure(name: string, what: string): ApiError {
  return unexpectedFailure(`${what} (provider ${name})`);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

export class OidcClient {
  private discovered: Promise<Discovery> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(
    readonly name: string,
    private readonly opts: ExternalProviderOptions,
  ) {}

  private discovery(): Promise<Discovery> {
    this.discovered ??= this.fetchDiscovery().catch((err: unknown) => {
      this.discovered = undefined; // try again on the next login
      throw err;
    });
    return this.discovered;
  }

  private async fetchDiscovery(): Promise<Discovery> {
    const url = `${trimSlash(this.opts.issuer)}/.well-known/openid-configuration`;
    let doc: Partial<Discovery>;
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: { accept: "application/json" },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as Partial<Discovery>;
    } catch (err) {
      throw providerFailure(
        this.name,
        `OpenID discovery failed at ${url}: ${err instanceof Error ? err.message : err}`,
      );
    }
    const { issuer, authorization_endpoint, token_endpoint, jwks_uri } = doc;
    if (!issuer || !authorization_endpoint || !token_endpoint || !jwks_uri) {
      throw providerFailure(this.name, `OpenID discovery at ${url} lacks endpoints`);
    }
    if (trimSlash(issuer) !== trimSlash(this.opts.issuer)) {
      throw providerFailure(this.name, `OpenID discovery at ${url} names another issuer`);
    }
    return doc as Discovery;
  }

  /** Where the browser goes to sign in at the provider. */
  async authorizationUrl(p: {
    redirectUri: string;
    state: string;
    nonce: string;
    codeVerifier: string;
    scopes: string[];
    extra: Record<string, string>;
  }): Promise<string> {
    const d = await this.discovery();
    const url = new URL(d.authorization_endpoint);
    const scope = [...new Set(["openid", "email", "profile", ...p.scopes])].join(" ");
    const q: Record<string, string> = {
      ...p.extra,
      client_id: this.opts.clientId,
      redirect_uri: p.redirectUri,
      response_type: "code",
      scope,
      state: p.state,
      nonce: p.nonce,
      code_challenge: s256(p.codeVerifier),
      code_challenge_method: "S256",
    };
    for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
    return url.href;
  }

  /** RFC 9207: a provider that names itself in the response must name the configured issuer. */
  async checkResponseIssuer(iss: string | null): Promise<void> {
    if (iss === null) return;
    const d = await this.discovery();
    if (trimSlash(iss) !== trimSlash(d.issuer)) {
      throw badRequest("bad_oauth_callback", "OAuth callback from an unexpected issuer");
    }
  }

  async exchangeCode(code: string, redirectUri: string, codeVerifier: string): Promise<ProviderTokens> {
    const d = await this.discovery();
    const methods = d.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
    const order = methods.includes("client_secret_basic")
      ? ["client_secret_basic", "client_secret_post"]
      : ["client_secret_post"];
    let last = "";
    for (const method of order) {
      const form = new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
      });
      const headers: Record<string, string> = {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      };
      if (method === "client_secret_basic") {
        // RFC 6749 §2.3.1: both parts form-encoded before base64
        const id = encodeURIComponent(this.opts.clientId);
        const secret = encodeURIComponent(this.opts.clientSecret);
        headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
      } else {
        form.set("client_id", this.opts.clientId);
        form.set("client_secret", this.opts.clientSecret);
      }
      let res: Response;
      try {
        res = await fetch(d.token_endpoint, {
          method: "POST",
          headers,
          body: form.toString(),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (err) {
        throw providerFailure(
          this.name,
          `Unable to exchange external code: ${err instanceof Error ? err.message : err}`,
        );
      }
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.ok && typeof body.id_token === "string") {
        return {
          idToken: body.id_token,
          accessToken: typeof body.access_token === "string" ? body.access_token : undefined,
          refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : undefined,
        };
      }
      last = typeof body.error === "string" ? body.error : `HTTP ${res.status}`;
      if (last !== "invalid_client") break; // only a client-authentication mismatch is worth the other method
    }
    throw providerFailure(this.name, `Unable to exchange external code: ${last}`);
  }

  async verifyIdToken(idToken: string, nonce: string): Promise<JWTPayload> {
    const d = await this.discovery();
    const { createRemoteJWKSet, jwtVerify } = await import("jose"); // loaded on the first OAuth login only
    this.jwks ??= createRemoteJWKSet(new URL(d.jwks_uri), { timeoutDuration: TIMEOUT_MS });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.jwks, { issuer: d.issuer, audience: this.opts.clientId }));
    } catch (err) {
      throw providerFailure(this.name, `Error verifying ID token: ${err instanceof Error ? err.message : err}`);
    }
    if (payload.nonce !== nonce) throw providerFailure(this.name, "Error verifying ID token: nonce mismatch");
    if (typeof payload.sub !== "string" || payload.sub === "") {
      throw providerFailure(this.name, "Error verifying ID token: no sub claim");
    }
    return payload;
  }
}
