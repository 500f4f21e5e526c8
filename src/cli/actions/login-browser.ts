import type { ChosenStore } from "../../session/credentials/select.js";
import type { AuthOutcome, SecondFactorOptions } from "../../session/login.js";
import { oauthAuth } from "../../session/oauth-login.js";
import { openBrowser } from "../browser.js";
import type { Context } from "../context.js";

export interface BrowserLoginFlags {
  browser: boolean;
  scopes?: string;
  /** Seconds (1-3600, checked by the parser). */
  timeout?: number;
}

const DEFAULT_TIMEOUT_S = 300;

/** `login --provider`: prints the URL, opens the browser unless told not to, waits for the redirect. */
export async function browserLogin(
  ctx: Context,
  provider: string,
  flags: BrowserLoginFlags,
  chooseStore: () => Promise<ChosenStore>,
  secondFactor: SecondFactorOptions,
): Promise<AuthOutcome> {
  const timeoutS = flags.timeout ?? DEFAULT_TIMEOUT_S;
  const chosen = await chooseStore();
  // CI has no one to click in a browser; an opener there would only start a headless nothing.
  const open = flags.browser !== false && ctx.env.CI !== "true" && ctx.env.CI !== "1";
  return oauthAuth(ctx, chosen, {
    provider,
    scopes: flags.scopes,
    timeoutMs: timeoutS * 1000,
    secondFactor,
    async present(url) {
      const opened = open ? await openBrowser(url, ctx.env) : false;
      ctx.io.note(
        opened
          ? `Opening the ${provider} login in your browser. If it does not open, visit:\n  ${url}`
          : `Open this URL in a browser on this machine to log in with ${provider}:\n  ${url}`,
      );
      ctx.io.note(`Waiting for the browser (up to ${formatWait(timeoutS)}; Ctrl-C to cancel)…`);
    },
  });
}

function formatWait(s: number): string {
  return s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}
