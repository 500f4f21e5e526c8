import { ProbeSetupError, runProbes } from "../../audit/runner.js";
import { forgedToken, tamperedToken } from "../../audit/tokens.js";
import { describeLangGraphError } from "../../langgraph/errors.js";
import { getAccessToken, loadProfileState, openSession } from "../../session/session.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { reportChecks } from "../probe-report.js";
import type { MfaTokens } from "../../audit/types.js";

export interface AuditOptions {
  /** Required profile names (commander checks both). */
  as: string;
  other: string;
  junit?: string;
}

async function userOf(ctx: Context, profile: string) {
  const sub = { ...ctx, profile };
  const state = await loadProfileState(sub);
  const session = await openSession(sub, state);
  const token = () => getAccessToken(sub, { minValiditySeconds: 60 });
  return {
    name: profile,
    userId: session.profile.userId ?? "",
    token,
    langgraphUrl: state.settings.langgraphUrl,
  };
}

/**
 * The owner's session as an MFA probe, when it is one: an aal1 session of a user who has a
 * verified second factor (logged in before enrolling elsewhere, or left at aal1 by removing the
 * factor it was verified with). Whether the server should refuse it is its policy, unknown here.
 */
async function ownerMfa(ctx: Context, profile: string, token: () => Promise<string>): Promise<MfaTokens | undefined> {
  try {
    const { listFactors } = await import("../../session/mfa.js");
    const { factors, aal } = await listFactors({ ...ctx, profile });
    if (aal !== "aal1" || !factors.some((f) => f.status === "verified")) return undefined;
    return { aal1: await token(), enforced: false };
  } catch (err) {
    ctx.log.debug?.(`no MFA probe: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * `lgauth audit --as bob --other alice`: the demo's probes against whatever server the two
 * profiles point at. `--other` owns the data that is attacked; `--as` attacks it.
 */
export const audit: Action<[], AuditOptions> = async (ctx, _args, opts) => {
  if (opts.as === opts.other) throw new UsageError("--as and --other must be two different profiles");
  const attacker = await userOf(ctx, opts.as);
  const owner = await userOf(ctx, opts.other);
  if (attacker.userId === owner.userId) {
    throw new UsageError(`profiles "${opts.as}" and "${opts.other}" are the same user`, "log them in as two accounts");
  }
  const mfa = await ownerMfa(ctx, opts.other, owner.token);
  const url = attacker.langgraphUrl;
  if (owner.langgraphUrl !== url) {
    ctx.io.note(`lgauth: warning: the profiles point at different LangGraph servers; probing ${url}`);
  }
  const spinner = ctx.io.startSpinner(`probing ${url} as ${opts.as} against ${opts.other}…`, !ctx.json);
  const started = Date.now();
  try {
    const run = await runProbes({
      langgraphUrl: url,
      owner,
      attacker,
      badTokens: {
        forged: await forgedToken(await attacker.token()),
        tampered: tamperedToken(await attacker.token(), owner.userId),
      },
      ...(mfa ? { mfa } : {}),
    });
    await run.cleanup();
    spinner.stop();
    return await reportChecks(ctx, run.checks, {
      title: "lgauth audit",
      junit: opts.junit,
      seconds: (Date.now() - started) / 1000,
      extra: { server: url, as: opts.as, other: opts.other },
    });
  } catch (err) {
    spinner.stop();
    if (err instanceof CliError) throw err;
    if (err instanceof ProbeSetupError) {
      const hint = mfa
        ? `"${opts.other}" has MFA and its session is aal1, which a server holding MFA users to aal2 refuses: log it in again with the code (\`lgauth login --profile ${opts.other}\`)`
        : `check that ${url} is the LangGraph server the profiles log in to`;
      throw new CliError(err.message, { hint });
    }
    throw describeLangGraphError(err, url, "probe");
  }
};
