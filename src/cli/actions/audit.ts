import { ProbeSetupError, runProbes } from "../../audit/runner.js";
import { forgedToken, tamperedToken } from "../../audit/tokens.js";
import { describeLangGraphError } from "../../langgraph/errors.js";
import { getAccessToken, loadProfileState, openSession } from "../../session/session.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { reportChecks } from "../probe-report.js";

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
      throw new CliError(err.message, { hint: `check that ${url} is the LangGraph server the profiles log in to` });
    }
    throw describeLangGraphError(err, url, "probe");
  }
};
