/**
 * The OpenID provider itself: oidc-provider (a certified OpenID Connect server) configured for
 * the authorization code flow with PKCE required, confidential clients, an RS256 key made at
 * start, the in-memory adapter, and our own sign-in and consent pages as its interactions.
 * Loaded only when a provider starts (oidc-provider and Koa take a while to import).
 */
import { generateKeyPair, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider, { type Interaction } from "oidc-provider";
import { type AccountInput, AccountStore } from "./accounts.js";
import { memoryAdapter } from "./adapter.js";
import { DEMO_OIDC_EMAIL } from "./demo.js";
import { consentPage, errorPage, loginPage } from "./pages.js";

export interface ClientInput {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|confirm))?$/;
const MAX_FORM_BYTES = 16 * 1024;

async function signingJwk(): Promise<Record<string, unknown>> {
  const { privateKey } = await new Promise<{ privateKey: import("node:crypto").KeyObject }>((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048 }, (err, _pub, priv) =>
      err ? reject(err) : resolve({ privateKey: priv }),
    ),
  );
  const jwk = privateKey.export({ format: "jwk" }) as Record<string, unknown>;
  return { ...jwk, kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        reject(new Error("form too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

export async function buildProvider(
  issuer: string,
  opts: { clients: ClientInput[]; accounts?: AccountInput[]; log?: (line: string) => void },
): Promise<RequestHandler> {
  const accounts = new AccountStore(opts.accounts);
  const log = opts.log ?? (() => {});
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    })),
    jwks: { keys: [await signingJwk()] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    pkce: { methods: ["S256"], required: () => true },
    responseTypes: ["code"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // the ID token carries the scopes' claims, so a relying party needs no userinfo call
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = accounts.bySubject(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, email: account.email, email_verified: true, name: account.name }),
      };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
      RefreshToken: 24 * 3600,
    },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
      const message = [out.error, out.error_description].filter((v) => typeof v === "string").join(": ");
      ctx.type = "html";
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><main><h1>Sign-in error</h1><p role="alert">${message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p></main></body></html>`;
    },
  });
  provider.app.silent = true; // errors go to our log, not to Koa's console output
  provider.on("server_error", (_ctx, err) =>
    log(`[local-oidc] server error: ${err instanceof Error ? err.message : String(err)}`),
  );

  const oidc = provider.callback();
  const clientNames = new Map(opts.clients.map((c) => [c.clientId, c.clientId]));

  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string, step: string | undefined) => {
    let details: Interaction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      errorPage(res, 400, "This sign-in has expired or was already finished. Start the login again.");
      return;
    }
    if (details.uid !== uid) {
      errorPage(res, 400, "This sign-in page does not belong to the current sign-in. Start the login again.");
      return;
    }
    const client = clientNames.get(String(details.params.client_id ?? "")) ?? "the application";
    const base = `/interaction/${uid}`;
    if (req.method === "GET" && step === undefined) {
      if (details.prompt.name === "login") {
        loginPage(res, { action: `${base}/login`, client, hint: `Demo account: ${DEMO_OIDC_EMAIL}` });
      } else {
        const email = accounts.bySubject(details.session?.accountId ?? "")?.email ?? "";
        const scopes = String(details.params.scope ?? "openid").split(" ");
        consentPage(res, { action: `${base}/confirm`, client, email, scopes });
      }
      return;
    }
    if (req.method !== "POST" || step === undefined) {
      errorPage(res, 405, "Method not allowed.");
      return;
    }
    const form = await readForm(req);
    if (step === "login") {
      if (details.prompt.name !== "login") {
        errorPage(res, 400, "This sign-in is not waiting for a password.");
        return;
      }
      const email = form.get("email") ?? "";
      const account = accounts.check(email, form.get("password") ?? "");
      if (!account) {
        loginPage(res, { action: `${base}/login`, client, email, error: "Wrong email or password." });
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // consent
    if (details.prompt.name !== "consent") {
      errorPage(res, 400, "This sign-in is not waiting for consent.");
      return;
    }
    if (form.get("decision") !== "allow") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "End-User aborted interaction" },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const accountId = details.session?.accountId ?? "";
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ??
        new provider.Grant({ accountId, clientId: String(details.params.client_id) }))
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details;
    if (Array.isArray(missing.missingOIDCScope)) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (Array.isArray(missing.missingOIDCClaims)) grant.addOIDCClaims(missing.missingOIDCClaims as string[]);
    const resourceScopes = missing.missingResourceScopes;
    if (resourceScopes && typeof resourceScopes === "object") {
      for (const [indicator, scopes] of Object.entries(resourceScopes as Record<string, string[]>)) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const m = INTERACTION.exec(path);
    if (!m) {
      oidc(req, res);
      return;
    }
    interaction(req, res, m[1] ?? "", m[2]).catch((err: unknown) => {
      log(`[local-oidc] interaction failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) errorPage(res, 500, "The sign-in failed. Start the login again.");
      else res.destroy();
    });
  };
}
