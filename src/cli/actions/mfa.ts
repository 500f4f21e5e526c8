import { LgauthError } from "../../util/errors.js";
import {
  type Enrollment,
  type FactorSummary,
  enrollTotp,
  listFactors,
  removeFactor,
  verifyFactor,
} from "../../session/mfa.js";
import { authenticatorCodes } from "../authenticator-codes.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { CliError } from "../errors.js";
import { formatTable } from "../output.js";
import { missingValue } from "../prompter.js";
import { type StdinLines, stdinLines } from "../stdin.js";

/** Flags as commander leaves them (src/cli/commands/mfa.ts): --name non-empty, ids UUIDs. */
export interface VerifyOptions {
  codeStdin?: boolean;
}
export interface EnrollOptions extends VerifyOptions {
  name?: string;
}
export interface RemoveOptions extends VerifyOptions {
  yes?: boolean;
}

/** Runs `fn` with stdin read a line at a time, and stops reading it afterwards. */
async function withLines<T>(ctx: Context, fn: (lines: StdinLines) => Promise<T>): Promise<T> {
  const lines = stdinLines(ctx.io.stdin);
  try {
    return await fn(lines);
  } finally {
    await lines.close();
  }
}

function describe(f: Pick<FactorSummary, "id" | "friendly_name">): string {
  return f.friendly_name ? `"${f.friendly_name}" (${f.id})` : f.id;
}

/** The secret in groups of four, as authenticator apps show it and accept it typed. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

export const mfaEnroll: Action<[], EnrollOptions> = async (ctx, _args, opts) => {
  const onTerminal = ctx.prompter.available && !ctx.json;
  return withLines(ctx, async (lines) => {
    const enrollment = await enrollTotp(ctx, opts.name?.trim(), authenticatorCodes(ctx, opts.codeStdin, lines));
    if (ctx.json) {
      const { factor_id, type, uri, secret, status } = enrollment;
      ctx.io.printJson({ factor_id, type, uri, secret, status });
      return 0;
    }
    if (!onTerminal) {
      ctx.io.print(`factor_id: ${enrollment.factor_id}`);
      ctx.io.print(`secret:    ${enrollment.secret}`);
      ctx.io.print(`uri:       ${enrollment.uri}`);
      ctx.io.note(`lgauth: finish with \`lgauth mfa verify ${enrollment.factor_id} --code-stdin\``);
      return 0;
    }
    await showEnrollment(ctx, enrollment);
    const codes = authenticatorCodes(ctx, false, lines);
    if (!codes) throw missingValue("the authenticator code", "--code-stdin");
    try {
      const { aal } = await verifyFactor(ctx, enrollment.factor_id, codes);
      ctx.io.print(
        `Factor ${describe({ id: enrollment.factor_id, friendly_name: enrollment.friendly_name })} is verified; this session is now ${aal ?? "aal2"}.`,
      );
      ctx.io.print("From now on `lgauth login` asks for a code from this app.");
    } catch (err) {
      if (err instanceof LgauthError && err.code === "mfa_code_invalid") {
        throw new LgauthError("mfa_code_invalid", `${err.message}; the factor is not verified yet`, {
          hint: `try again with \`lgauth mfa verify ${enrollment.factor_id}\``,
        });
      }
      throw err;
    }
    return 0;
  });
};

async function showEnrollment(ctx: Context, e: Enrollment): Promise<void> {
  const { terminalQr } = await import("../qr.js");
  ctx.io.print("Scan this QR code with your authenticator app:");
  ctx.io.print();
  ctx.io.write(terminalQr(e.uri, ctx.color));
  ctx.io.print();
  ctx.io.print(`Or enter this secret by hand: ${ctx.io.paint("bold", grouped(e.secret))}`);
  ctx.io.print(`(otpauth URI: ${e.uri})`);
  ctx.io.print("lgauth does not keep the secret: it is shown only now.");
  ctx.io.print();
}

export const mfaVerify: Action<[string], VerifyOptions> = async (ctx, [factorId], opts) => {
  return withLines(ctx, async (lines) => {
    const codes = authenticatorCodes(ctx, opts.codeStdin, lines);
    if (!codes) throw missingValue("the authenticator code", "--code-stdin");
    const { factor, aal } = await verifyFactor(ctx, factorId, codes);
    if (ctx.json) {
      ctx.io.printJson({ factor_id: factor.id, status: factor.status, aal: aal ?? null });
    } else {
      ctx.io.print(
        `Verified factor ${describe(factor)}; the session of profile "${ctx.profile}" is now ${aal ?? "aal2"}.`,
      );
    }
    return 0;
  });
};

export const mfaList: Action<[]> = async (ctx) => {
  const { factors, aal } = await listFactors(ctx);
  if (ctx.json) {
    ctx.io.printJson({ factors, aal: aal ?? null });
    return 0;
  }
  if (factors.length === 0) {
    ctx.io.print("No MFA factors. Add an authenticator app with `lgauth mfa enroll`.");
    return 0;
  }
  ctx.io.print(
    formatTable(
      ["id", "type", "name", "status", "created"],
      factors.map((f) => [f.id, f.type, f.friendly_name ?? "", f.status, f.created_at]),
      ctx.color,
    ),
  );
  ctx.io.print();
  ctx.io.print(`This session: ${aal ?? "unknown level"}.`);
  return 0;
};

export const mfaRemove: Action<[string], RemoveOptions> = async (ctx, [factorId], opts) => {
  // a script without --yes fails before anything is asked of the server
  if (!opts.yes && !ctx.prompter.available) throw missingValue("confirmation", "--yes");
  return withLines(ctx, async (lines) => {
    const outcome = await removeFactor(ctx, factorId, {
      confirm: async (f) =>
        opts.yes === true ||
        ctx.prompter.confirm(
          `Remove ${f.status} ${f.type} factor ${describe(f)}?${f.status === "verified" ? " Logins will no longer ask for its codes." : ""}`,
          "--yes",
        ),
      stepUpCodes: authenticatorCodes(ctx, opts.codeStdin, lines),
    });
    if (!outcome.removed) throw new CliError("nothing removed");
    if (ctx.json) {
      ctx.io.printJson({ factor_id: outcome.factor.id, removed: true, aal: outcome.aal ?? null });
    } else {
      ctx.io.print(
        `Removed factor ${describe(outcome.factor)}; this session is ${outcome.aal ?? "at an unknown level"}.`,
      );
    }
    return 0;
  });
};
