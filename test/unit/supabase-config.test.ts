/**
 * A Supabase CLI project's supabase/config.toml [auth] section as lgauth dev reads it: the
 * GOTRUE_* variables the CLI would give GoTrue, its defaults for absent keys, env() and the
 * .env files, SUPABASE_AUTH_* overrides, one warning per unknown or unsupported key, and one
 * clear error for what the CLI refuses.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import {
  findSupabaseConfig,
  loadSupabaseAuthConfig,
  SupabaseConfigError,
} from "../../src/local-supabase/supabase-config.js";

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "lgauth-supabase-config-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A project directory with supabase/config.toml (and optional .env files); returns its root. */
async function project(toml: string, files: Record<string, string> = {}): Promise<string> {
  n += 1;
  const dir = join(root, `p${n}`);
  await mkdir(join(dir, "supabase"), { recursive: true });
  await writeFile(join(dir, "supabase", "config.toml"), toml);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const load = async (toml: string, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) => {
  const dir = await project(toml, files);
  return loadSupabaseAuthConfig(join(dir, "supabase", "config.toml"), env, dir);
};

/** The [auth] part of what `supabase init` writes (keys and values as the CLI's template has them). */
const INIT = `
project_id = "demo"

[api]
enabled = true
port = 54321

[auth]
enabled = true
site_url = "http://127.0.0.1:3000"
additional_redirect_urls = ["https://127.0.0.1:3000"]
jwt_expiry = 3600
enable_refresh_token_rotation = true
refresh_token_reuse_interval = 10
enable_signup = true
enable_anonymous_sign_ins = false
enable_manual_linking = false
minimum_password_length = 6
password_requirements = ""

[auth.rate_limit]
email_sent = 2
sms_sent = 30
anonymous_users = 30
token_refresh = 150
sign_in_sign_ups = 30
token_verifications = 30
web3 = 30

[auth.email]
enable_signup = true
double_confirm_changes = true
enable_confirmations = false
secure_password_change = false
max_frequency = "1s"
otp_length = 6
otp_expiry = 3600

[auth.sms]
enable_signup = false
enable_confirmations = false
template = "Your code is {{ \`{{ .Code }}\` }}"
max_frequency = "5s"

[auth.sms.twilio]
enabled = false
account_sid = ""
message_service_sid = ""
auth_token = "env(SUPABASE_AUTH_SMS_TWILIO_AUTH_TOKEN)"

[auth.mfa]
max_enrolled_factors = 10

[auth.mfa.totp]
enroll_enabled = false
verify_enabled = false

[auth.mfa.phone]
enroll_enabled = false
verify_enabled = false
otp_length = 6
template = "Your code is {{ \`{{ .Code }}\` }}"
max_frequency = "5s"

[auth.external.apple]
enabled = false
client_id = ""
secret = "env(SUPABASE_AUTH_EXTERNAL_APPLE_SECRET)"
redirect_uri = ""
url = ""
skip_nonce_check = false
email_optional = false

[auth.web3.solana]
enabled = false

[auth.third_party.firebase]
enabled = false

[auth.third_party.auth0]
enabled = false

[auth.third_party.aws_cognito]
enabled = false

[auth.third_party.clerk]
enabled = false

[auth.oauth_server]
enabled = false
authorization_url_path = "/oauth/consent"
allow_dynamic_registration = false

[edge_runtime]
enabled = true
`;

describe("supabase/config.toml [auth]", () => {
  test("the section supabase init writes: the CLI's GOTRUE_* variables, and its settings as options", async () => {
    const c = await load(INIT);
    assert.equal(c.gotrue.GOTRUE_SITE_URL, "http://127.0.0.1:3000");
    assert.equal(c.gotrue.GOTRUE_DISABLE_SIGNUP, "false");
    assert.equal(c.gotrue.GOTRUE_MAILER_AUTOCONFIRM, "true");
    assert.equal(c.gotrue.GOTRUE_SMTP_MAX_FREQUENCY, "1s");
    assert.equal(c.gotrue.GOTRUE_EXTERNAL_APPLE_SECRET, undefined, "a disabled provider is not passed on");
    assert.deepEqual(c.options.uriAllowList, ["https://127.0.0.1:3000"]);
    assert.equal(c.options.accessTokenTtl, 3600);
    assert.equal(c.options.confirmEmail, false);
    assert.equal(c.options.emailMaxFrequency, 1);
    assert.equal(c.options.otpTtl, 3600);
    assert.equal(c.options.refreshTokenReuseInterval, 10);
    assert.deepEqual(c.options.mfa, { totpEnroll: false, totpVerify: false, maxEnrolledFactors: 10 });
    assert.deepEqual(c.options.rateLimits, { token: 150, signup: 30, verify: 30, anonymousUsers: 30 });
    assert.equal(c.options.signupEnabled, true);
    assert.equal(c.options.emailProviderEnabled, true);
    assert.equal(c.options.anonymousSignInsEnabled, false);
    assert.equal(c.options.secureEmailChange, true);
    assert.equal(c.options.passwordUpdateRequiresReauthentication, false);
    assert.equal(c.options.otpLength, 6);
    assert.deepEqual(c.warnings, [], "every key of supabase init's [auth] is known, and acted on or off here too");
  });

  test("an absent key has the CLI's default: TOTP off, one-hour email codes, one-second email frequency", async () => {
    const c = await load('[auth]\nsite_url = "http://localhost:5173"\n');
    assert.deepEqual(c.warnings, []);
    assert.equal(c.options.siteUrl, "http://localhost:5173");
    assert.deepEqual(c.options.mfa, { totpEnroll: false, totpVerify: false });
    assert.equal(c.options.otpTtl, 3600);
    assert.equal(c.options.emailMaxFrequency, 1);
    assert.equal(c.options.accessTokenTtl, undefined, "the server's own default where the CLI's is the same");
    assert.equal(c.options.rateLimits, undefined, "absent rate limits keep the server's");
    assert.deepEqual((await load("project_id = 'x'\n")).options.mfa, { totpEnroll: false, totpVerify: false });
  });

  test("settings map onto the server's options", async () => {
    const c = await load(
      `
[auth]
jwt_expiry = 120
minimum_password_length = 10
password_requirements = "lower_upper_letters_digits"
additional_redirect_urls = ["https://*.example.com/**", "myapp://cb"]
refresh_token_reuse_interval = 0
[auth.email]
enable_confirmations = true
max_frequency = "30s"
otp_expiry = 600
[auth.mfa]
max_enrolled_factors = 3
[auth.mfa.totp]
enroll_enabled = true
verify_enabled = true
[auth.rate_limit]
token_refresh = 40
sign_in_sign_ups = 20
[auth.external.keycloak]
enabled = true
client_id = "lgauth"
secret = "env(KC_SECRET)"
url = "http://127.0.0.1:8080/realms/dev"
`,
      { KC_SECRET: "kc-secret-value" },
    );
    assert.deepEqual(c.warnings, []);
    assert.equal(c.options.accessTokenTtl, 120);
    assert.equal(c.options.passwordMinLength, 10);
    assert.deepEqual(c.options.passwordRequiredCharacters, [
      "abcdefghijklmnopqrstuvwxyz",
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      "0123456789",
    ]);
    assert.deepEqual(c.options.uriAllowList, ["https://*.example.com/**", "myapp://cb"]);
    assert.equal(c.options.refreshTokenReuseInterval, 0);
    assert.equal(c.options.confirmEmail, true);
    assert.equal(c.options.emailMaxFrequency, 30);
    assert.equal(c.options.otpTtl, 600);
    assert.deepEqual(c.options.mfa, { totpEnroll: true, totpVerify: true, maxEnrolledFactors: 3 });
    assert.deepEqual(c.options.rateLimits, { token: 40, signup: 20 });
    assert.deepEqual(c.options.externalProviders, {
      keycloak: { issuer: "http://127.0.0.1:8080/realms/dev", clientId: "lgauth", clientSecret: "kc-secret-value" },
    });
  });

  test("signing_keys_path: the CLI's key file beside config.toml becomes the server's signing keys", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const key = { ...(await exportJWK(privateKey)), kid: "k1", alg: "ES256", key_ops: ["sign", "verify"] };
    const c = await load(
      '[auth]\nsigning_keys_path = "./signing_keys.json"\n',
      {},
      {
        "supabase/signing_keys.json": JSON.stringify([key]),
      },
    );
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(c.options.jwtKeys, [key]);
  });

  test("the symbols requirement keeps the colon inside its set, as GoTrue decodes the CLI's value", async () => {
    const c = await load('[auth]\npassword_requirements = "lower_upper_letters_digits_symbols"\n');
    const sets = c.options.passwordRequiredCharacters ?? [];
    assert.equal(sets.length, 4);
    assert.ok(sets[3]!.includes(":") && sets[3]!.includes("\\") && sets[3]!.includes('"'), sets[3]);
  });

  test("jwt_secret is the server's HS256 secret, as `supabase start` makes it", async () => {
    const secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    const c = await load(`[auth]\njwt_secret = "${secret}"\n`);
    assert.equal(c.gotrue.GOTRUE_JWT_SECRET, secret);
    assert.equal(c.options.jwtSecret, secret);
    // the CLI's published demo secret is applied, and said to be public
    assert.deepEqual(c.warnings, [
      "supabase/config.toml: auth.jwt_secret: the Supabase CLI's published demo secret: anyone can sign tokens as any of this server's users",
    ]);
    const unset = await load('[auth]\njwt_secret = ""\n');
    assert.equal(unset.options.jwtSecret, undefined);
    const own = await load('[auth]\njwt_secret = "a-secret-of-this-project-only-0123456789"\n');
    assert.deepEqual(own.warnings, []);
  });

  test("one warning per unknown key, and per setting the local server does not act on", async () => {
    const c = await load(`
[auth]
enable_sigup = false
jwt_secret = "own-super-secret-jwt-token-of-at-least-32-chars"
anon_key = "super-secret-anon"
[auth.emial]
enable_signup = false
[auth.email]
enable_confirmations = true
colour = "blue"
[auth.email.smtp]
host = "smtp.example.com"
[auth.email.template.invite]
subject = "Welcome"
[auth.sms]
enable_signup = true
[auth.captcha]
enabled = true
provider = "hcaptcha"
[auth.hook.custom_access_token]
enabled = true
uri = "pg-functions://postgres/public/hook"
[auth.external.github]
enabled = true
client_id = "gh"
secret = "gh-secret"
[auth.external.myidp]
enabled = true
[auth.external.slack]
enabled = true
[auth.sessions]
timebox = "24h"
`);
    const keys = c.warnings.map((w) => w.split(": ")[1]);
    assert.deepEqual(keys.sort(), [
      "auth.anon_key",
      "auth.captcha.enabled",
      "auth.email.colour",
      "auth.email.smtp",
      "auth.email.template.invite",
      "auth.emial",
      "auth.enable_sigup",
      "auth.external.github.enabled",
      "auth.external.myidp",
      "auth.external.slack",
      "auth.hook.custom_access_token.enabled",
      "auth.sessions.timebox",
      "auth.sms.enable_signup",
    ]);
    assert.match(c.warnings.join("\n"), /auth\.enable_sigup: unknown key; ignored/);
    assert.match(c.warnings.join("\n"), /auth\.sms\.enable_signup: phone sign-in \(SMS\) is not supported/);
    assert.doesNotMatch(c.warnings.join("\n"), /super-secret|gh-secret/, "values are never echoed");
    assert.ok(c.options.jwtSecret, "jwt_secret is applied, not warned about");
  });

  test("env() as the CLI resolves it: the environment, then supabase/.env files, else as written with a warning", async () => {
    const toml = `
[auth]
site_url = "env(SITE)"
additional_redirect_urls = ["env(REDIRECT)", "env(NOT_SET)"]
jwt_expiry = "env(EXPIRY)"
`;
    const c = await load(
      toml,
      { SITE: "https://from-env.example.com", EXPIRY: "" },
      {
        "supabase/.env":
          "REDIRECT=https://from-dotenv.example.com/cb\nSITE=https://dotenv-loses.example.com\nEXPIRY=90\n",
        "supabase/.env.local": "EXPIRY=95\n",
      },
    );
    assert.equal(c.options.siteUrl, "https://from-env.example.com", "the environment beats .env");
    assert.deepEqual(c.options.uriAllowList, ["https://from-dotenv.example.com/cb", "env(NOT_SET)"]);
    assert.equal(c.options.accessTokenTtl, 95, "an empty variable counts as unset; .env.local beats .env");
    assert.deepEqual(c.warnings, [
      "supabase/config.toml: auth.additional_redirect_urls: environment variable NOT_SET is unset; the value is used as written",
    ]);
  });

  test("SUPABASE_AUTH_* variables override keys, as the CLI's viper does", async () => {
    const c = await load("[auth]\njwt_expiry = 3600\n[auth.email]\nenable_confirmations = false\n", {
      SUPABASE_AUTH_JWT_EXPIRY: "300",
      SUPABASE_AUTH_EMAIL_ENABLE_CONFIRMATIONS: "true",
      SUPABASE_AUTH_MINIMUM_PASSWORD_LENGTH: "12",
    });
    assert.equal(c.options.accessTokenTtl, 300);
    assert.equal(c.options.confirmEmail, true);
    assert.equal(c.options.passwordMinLength, 12);
  });

  test("what the CLI refuses is one clear error naming the file and key, never echoing a value", async () => {
    const cases: [string, RegExp][] = [
      ['[auth]\nsite_url = "http://x\nnext = 1\n', /^supabase\/config\.toml:2:\d+: not valid TOML: /],
      ["[auth]\njwt_expiry = -5\n", /^supabase\/config\.toml: auth\.jwt_expiry: expected a whole number/],
      ['[auth]\nenable_signup = "maybe"\n', /^supabase\/config\.toml: auth\.enable_signup: expected true or false$/],
      ['[auth]\npassword_requirements = "strong"\n', /auth\.password_requirements: must be one of letters_digits/],
      [
        "[auth.mfa.totp]\nenroll_enabled = true\n",
        /auth\.mfa\.totp\.verify_enabled: .*enroll_enabled requires verify_enabled/,
      ],
      ['[auth.email]\nmax_frequency = "soon"\n', /auth\.email\.max_frequency: expected a duration/],
      ['[auth]\nsite_url = "not-a-url-s3cr3t"\n', /^supabase\/config\.toml: auth\.site_url: expected an absolute URL$/],
      [
        '[auth]\njwt_secret = "short-s3cr3t-16-chars"\n',
        /^supabase\/config\.toml: auth\.jwt_secret: must be at least 32 characters$/,
      ],
      [
        '[auth]\nsigning_keys_path = "./missing.json"\n',
        /auth\.signing_keys_path: cannot read supabase\/missing\.json/,
      ],
      [
        '[auth.external.google]\nenabled = true\nclient_id = "x"\n',
        /GOTRUE_EXTERNAL_GOOGLE_ENABLED is true but .*SECRET is not set/,
      ],
    ];
    for (const [toml, message] of cases) {
      await assert.rejects(
        load(toml),
        (err: unknown) =>
          err instanceof SupabaseConfigError && message.test(err.message) && !/s3cr3t/.test(err.message),
        toml,
      );
    }
    await assert.rejects(
      loadSupabaseAuthConfig(join(root, "nope.toml"), {}, root),
      /^SupabaseConfigError: nope\.toml: no such file$/,
    );
  });

  test("found as supabase/config.toml under the working directory", async () => {
    const dir = await project("[auth]\n");
    assert.equal(findSupabaseConfig(dir), join(dir, "supabase", "config.toml"));
    assert.equal(findSupabaseConfig(root), undefined);
  });
});
