import { type Account, changeEmail, readAccount, updateMetadata } from "../../session/account.js";
import { cleanDisplayName, displayNameOf } from "../../util/display-name.js";
import { authenticatorCodes } from "../authenticator-codes.js";
import type { Action } from "../command-kit.js";
import type { Context } from "../context.js";
import { emailedCodes } from "../emailed-codes.js";
import { LgauthError, UsageError } from "../errors.js";
import { missingValue } from "../prompter.js";
import { stdinLines } from "../stdin.js";

/** Keys GoTrue itself keeps in user_metadata (from the sign-up), not the user's own data. */
const GOTRUE_KEYS = new Set(["sub", "email", "email_verified", "phone_verified"]);

/** A metadata value as one printable line (JSON for non-strings, no control characters). */
function printable(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return cleanDisplayName(text ?? "") ?? '""';
}

function when(iso: string | undefined | null): string {
  return iso ? iso.replace(/\.\d+Z$/, "Z") : "never";
}

/** The account as the user reads it: one "label: value" line per fact. */
function describe(a: Account): string[] {
  const u = a.user;
  const name = displayNameOf(u.user_metadata);
  const rows: [string, string][] = [];
  rows.push(["id", u.id]);
  rows.push([
    "email",
    `${u.email || "(none)"}${u.email ? (u.email_confirmed_at ? " (confirmed)" : " (not confirmed)") : ""}`,
  ]);
  if (u.new_email) {
    rows.push(["pending", `${u.new_email} (waiting for the emailed code since ${when(u.email_change_sent_at)})`]);
  }
  rows.push(["name", name ?? "(none: set one with `lgauth account update --name …`)"]);
  const own = Object.entries(u.user_metadata ?? {})
    .filter(([k]) => !GOTRUE_KEYS.has(k) && k !== "display_name")
    .sort(([a], [b]) => a.localeCompare(b));
  rows.push(["metadata", own.length === 0 ? "(none)" : own.map(([k, v]) => `${k}=${printable(v)}`).join(", ")]);
  const providers = [...new Set((u.identities ?? []).map((i) => i.provider))];
  rows.push(["sign-in", providers.length === 0 ? "(no identities)" : providers.join(", ")]);
  rows.push(["created", when(u.created_at)]);
  rows.push(["last sign-in", when(u.last_sign_in_at)]);
  const factors = u.factors ?? [];
  const verified = factors.filter((f) => f.status === "verified");
  const mfa =
    factors.length === 0
      ? "no factors (add one with `lgauth mfa enroll`)"
      : `${verified.length} verified${factors.length > verified.length ? `, ${factors.length - verified.length} pending` : ""} (${factors
          .map((f) => `${f.factor_type}${f.friendly_name ? ` "${printable(f.friendly_name)}"` : ""}`)
          .join(", ")})`;
  rows.push(["MFA", mfa]);
  rows.push([
    "this session",
    a.aal === "aal2" ? "aal2 (second factor verified)" : a.aal === "aal1" ? "aal1 (no second factor)" : "unknown level",
  ]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`);
}

/** --json: the user object as Supabase Auth returns it, plus the session's `aal`. */
function print(ctx: Context, a: Account): void {
  if (ctx.json) ctx.io.printJson({ ...a.user, aal: a.aal ?? null });
  else for (const line of describe(a)) ctx.io.print(line);
}

/** `lgauth account`: the user as Supabase Auth returns it (GET /user), for people or as JSON. */
export const account: Action<[]> = async (ctx) => {
  print(ctx, await readAccount(ctx));
  return 0;
};

/** A refused email-change code: the address stays pending, and a new run sends new codes. */
async function withCodeHint<T>(address: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LgauthError && err.code === "otp_expired") {
      throw new LgauthError("otp_expired", `${err.message}; the address is not changed`, {
        hint: `run \`lgauth account update --email ${address}\` again for a new code`,
      });
    }
    throw err;
  }
}

/** `account update`'s flags as commander leaves them (src/cli/commands/account.ts). */
export interface AccountUpdateOptions {
  name?: string;
  data?: Record<string, string>;
  unset?: string[];
  email?: string;
  codeStdin?: boolean;
}

/**
 * `lgauth account update`: user_metadata (--name, --data, --unset) and the email address
 * (--email, confirmed with the emailed code or codes). The address changes first: when its
 * code is refused, the metadata is left as it was.
 */
export const accountUpdate: Action<[], AccountUpdateOptions> = async (ctx, _args, opts) => {
  const set: Record<string, string> = { ...opts.data };
  if (opts.name !== undefined) set.display_name = opts.name.trim();
  const unset = opts.unset ?? [];
  const clash = unset.find((k) => k in set);
  if (clash !== undefined) throw new UsageError(`"${clash}" is both set and unset`);
  const metadata = Object.keys(set).length > 0 || unset.length > 0;
  if (!metadata && opts.email === undefined) {
    throw new UsageError("nothing to change", "pass --name, --data, --unset or --email");
  }
  // a script that cannot give the emailed code fails before anything is sent
  if (opts.email !== undefined && !opts.codeStdin && !ctx.prompter.available) {
    throw missingValue("the emailed code", "--code-stdin");
  }
  const lines = stdinLines(ctx.io.stdin);
  try {
    const said: string[] = [];
    let result: Account | undefined;
    if (opts.email !== undefined) {
      const address = opts.email;
      result = await withCodeHint(address, () =>
        changeEmail(ctx, {
          email: address,
          codes: (to) => {
            const codes = emailedCodes(ctx, {
              codeStdin: opts.codeStdin,
              lines,
              question: `Code from the email sent to ${to}:`,
            });
            if (!codes) throw missingValue("the emailed code", "--code-stdin");
            return codes;
          },
          sent: (to, current) =>
            ctx.io.note(
              `A code was sent to ${to}${current ? ` (and one to ${current}, if this project confirms changes from both addresses)` : ""}.`,
            ),
          stepUpCodes: authenticatorCodes(ctx, opts.codeStdin, lines),
        }),
      );
      said.push(`email changed to ${result.user.email ?? address}`);
    }
    let notSet = "";
    if (metadata) {
      const made = await updateMetadata(ctx, { set, unset });
      result = made;
      if (opts.name !== undefined) said.push(`display name set to "${displayNameOf(made.user.user_metadata) ?? ""}"`);
      const other = Object.keys(set).filter((k) => k !== "display_name");
      if (other.length > 0) said.push(`set ${other.join(", ")}`);
      if (made.removed.length > 0) said.push(`removed ${made.removed.join(", ")}`);
      if (made.notSet.length > 0)
        notSet = `${made.notSet.join(", ")} ${made.notSet.length === 1 ? "was" : "were"} not set`;
    }
    if (!result) return 0;
    if (ctx.json) print(ctx, result);
    else if (said.length === 0) ctx.io.print(`Nothing changed: ${notSet}.`);
    else ctx.io.print(`Account updated: ${[...said, ...(notSet ? [notSet] : [])].join("; ")}.`);
    return 0;
  } finally {
    await lines.close();
  }
};
