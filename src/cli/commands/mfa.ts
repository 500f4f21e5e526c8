import { type Command, Option } from "commander";
import type { EnrollOptions, RemoveOptions, VerifyOptions } from "../actions/mfa.js";
import { lazyAction } from "../command-kit.js";
import { idOrPrefix, nonEmpty } from "../parse.js";

const codeStdin = "read the authenticator code from the first line of stdin";

export function registerMfa(program: Command): void {
  const mfa = program
    .command("mfa")
    .description("second factors (TOTP authenticator apps): enroll, verify, list, remove")
    .addHelpText(
      "after",
      [
        "",
        "Once a factor is verified, `lgauth login` asks for a code from the app after the password",
        "(scripts: --code-stdin), and servers with AUTH_MFA=enrolled or required refuse sessions without it.",
      ].join("\n"),
    );
  lazyAction<[], EnrollOptions>(
    mfa
      .command("enroll")
      .description("add an authenticator app: shows its QR code and secret, then verifies a code from it")
      .addOption(
        new Option("--name <name>", 'a name for the factor (default "lgauth on <host>")').argParser(nonEmpty("--name")),
      )
      .option("--code-stdin", `when another factor must be verified first (aal2): ${codeStdin}`)
      .addHelpText(
        "after",
        [
          "",
          "With --json, or when not on a terminal, it prints the factor id, secret and otpauth:// URI and",
          "asks nothing; finish with `lgauth mfa verify <factor-id> --code-stdin`. lgauth never stores the secret.",
        ].join("\n"),
      ),
    async () => (await import("../actions/mfa.js")).mfaEnroll,
  );
  lazyAction<[string], VerifyOptions>(
    mfa
      .command("verify")
      .argument("<factor-id>", "the factor, or the start of its id (see `lgauth mfa list`)", idOrPrefix("factor"))
      .description("verify a code: finishes an enrollment, or steps this session up to aal2")
      .option("--code-stdin", codeStdin),
    async () => (await import("../actions/mfa.js")).mfaVerify,
  );
  lazyAction(
    mfa.command("list").description("the account's factors: id, type, name, status, created"),
    async () => (await import("../actions/mfa.js")).mfaList,
  );
  lazyAction<[string], RemoveOptions>(
    mfa
      .command("remove")
      .argument("<factor-id>", "the factor, or the start of its id (see `lgauth mfa list`)", idOrPrefix("factor"))
      .description("remove a factor (asks first; a verified one needs a code from it when the session is aal1)")
      .option("--yes", "do not ask for confirmation")
      .option("--code-stdin", `when the session must step up to aal2 first: ${codeStdin}`),
    async () => (await import("../actions/mfa.js")).mfaRemove,
  );
}
