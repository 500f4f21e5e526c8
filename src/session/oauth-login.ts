import type { Provider } from "@supabase/supabase-js";
import { LgauthError } from "../util/errors.js";
import { authFailure } from "./auth-errors.js";
import type { ChosenStore } from "./credentials/select.js";
import {
  type AuthOutcome,
  type LoginClient,
  type SecondFactorOptions,
  completeLogin,
  openLoginClient,
} from "./login.js";
import { startLoopbackReceiver } from "./loopback.js";
import type { SessionContext } from "./session.js";

export interface OAuthLoginOptions {
  provider: string;
  scopes?: string | undefined;
  timeoutMs: number;
  /** Shows the authorization URL to the user (and opens the browser, unless told not to). */
  present(url: string): Promise<void>;
  /** The authenticator code, when the user has a second factor. */
  secondFactor?: SecondFactorOptions;
}

/**
 * `login --provider`: supabase-js's PKCE flow (RFC 7636) with an RFC 8252 loopback redirect.
 * The code verifier never leaves this process; the code comes back to 127.0.0.1 with our
 * random state, and is exchanged for a session that supabase-js stores in the chosen store.
 */
export async function oauthAuth(
  ctx: SessionContext,
  chosen: ChosenStore,
  opts: OAuthLoginOptions,
): Promise<AuthOutcome> {
  const login = await openLoginClient(ctx, chosen, "pkce");
  const { client, url } = login;
  await checkProviderEnabled(login, opts.provider);
  const receiver = await startLoopbackReceiver();
  try {
    const { data, error } = await client.auth.signInWithOAuth({
      // any provider name the project has configured (supabase-js's union lists the built-in ones)
      provider: opts.provider as Provider,
      options: {
        redirectTo: receiver.redirectUri,
        skipBrowserRedirect: true,
        ...(opts.scopes ? { scopes: opts.scopes } : {}),
      },
    });
    if (error || !data.url) throw authFailure(error ?? new Error("no authorization URL"), url, client.wire);
    await opts.present(data.url);
    const answer = await receiver.wait(opts.timeoutMs);
    if (answer.kind === "error") {
      const why = answer.description ?? answer.errorCode ?? answer.error;
      receiver.finish({ ok: false, message: `The login was refused: ${why}` });
      throw new LgauthError("oauth_refused", `the ${opts.provider} login was refused: ${why}; nothing was stored`, {
        details: { provider: opts.provider, error: answer.error },
      });
    }
    const exchanged = await client.auth.exchangeCodeForSession(answer.code);
    if (exchanged.error) {
      const failure = authFailure(exchanged.error, url, client.wire);
      receiver.finish({ ok: false, message: failure.message });
      throw failure;
    }
    const user = exchanged.data.user;
    // receiver.finish answers the browser once; later calls do nothing
    const confirmUser = opts.secondFactor?.confirmUser;
    const secondFactor: SecondFactorOptions = {
      codes: opts.secondFactor?.codes,
      ...(confirmUser === undefined
        ? {}
        : {
            confirmUser: (u, beforeAsking) =>
              confirmUser(u, () => {
                receiver.finish({
                  ok: true,
                  message: "Signed in. Answer lgauth's question in the terminal to finish.",
                });
                beforeAsking();
              }),
          }),
      beforeAsking: () => {
        // the browser is not kept waiting while the code is typed in the terminal
        receiver.finish({
          ok: true,
          message:
            "Signed in. Enter the code from your authenticator app in the terminal to finish logging in to lgauth.",
        });
        opts.secondFactor?.beforeAsking?.();
      },
    };
    try {
      const outcome = await completeLogin(ctx, login, chosen, user, {}, secondFactor);
      receiver.finish({ ok: true, message: `Logged in to lgauth as ${outcome.email || "your account"}.` });
      return outcome;
    } catch (err) {
      receiver.finish({ ok: false, message: err instanceof LgauthError ? err.message : "The login did not complete." });
      throw err;
    }
  } finally {
    await receiver.close();
  }
}

/**
 * Asks Supabase Auth whether it can start a login with this provider, so a typo or a provider
 * the project has not enabled fails here, not after a browser round trip to an error page:
 * `GET /authorize?provider=…&skip_http_redirect=true` without PKCE parameters answers the
 * provider's URL as JSON (no flow state is kept for it) or GoTrue's "Unsupported provider".
 * Custom providers, which /settings does not list, are asked about the same way.
 */
async function checkProviderEnabled(login: LoginClient, provider: string): Promise<void> {
  const base = `${login.url.replace(/\/+$/, "")}/auth/v1/`;
  const headers = { apikey: login.anonKey, "x-supabase-api-version": "2024-01-01" };
  const probe = new URL("authorize", base);
  probe.searchParams.set("provider", provider);
  probe.searchParams.set("skip_http_redirect", "true");
  const res = await login.client.wire.fetch(probe.href, { headers, redirect: "manual" });
  if (login.client.wire.unreachable) {
    throw authFailure({ name: "AuthRetryableFetchError", status: 0 }, login.url, login.client.wire);
  }
  if (res.status !== 400 && res.status !== 404) return;
  const body = (await res.json().catch(() => null)) as { message?: unknown; msg?: unknown } | null;
  const said = typeof body?.message === "string" ? body.message : typeof body?.msg === "string" ? body.msg : "";
  const settings = await login.client.wire.fetch(new URL("settings", base).href, { headers });
  const external = settings.ok
    ? (((await settings.json().catch(() => null)) as { external?: Record<string, unknown> } | null)?.external ?? {})
    : {};
  const enabled = Object.entries(external)
    .filter(([name, on]) => on === true && !["email", "phone", "anonymous_users"].includes(name))
    .map(([name]) => name);
  throw new LgauthError(
    "provider_not_enabled",
    `the provider "${provider}" is not enabled in Supabase Auth at ${login.url}${said ? ` (${said.replace(/\.$/, "")})` : ""}`,
    { details: { provider, enabled: enabled.length > 0 ? enabled.join(", ") : undefined } },
  );
}
