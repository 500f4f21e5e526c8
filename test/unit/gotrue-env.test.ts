/**
 * GoTrue's configuration names: Go's value syntax, GoTrue's redirect globs and the GOTRUE_*
 * table (what each variable sets, which ones are warned about, which values stop startup).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { goBool, goDuration, goInt, goList, goRate } from "../../src/local-supabase/go-values.js";
import {
  applyGotrueSettings,
  decodeRequiredCharacters,
  GOTRUE_VARIABLES,
  GotrueConfigError,
  gotrueSettingsFromEnv,
} from "../../src/local-supabase/gotrue-env.js";
import { parseMainArgs, UsageError } from "../../src/local-supabase/main-args.js";
import { checkPasswordStrength } from "../../src/local-supabase/password.js";
import { compileUriGlob } from "../../src/local-supabase/uri-glob.js";

describe("Go value syntax", () => {
  test("booleans, integers, lists and rates as strconv and envconfig read them", () => {
    for (const t of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(goBool(t), true);
    for (const f of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(goBool(f), false);
    for (const bad of ["yes", "on", "tRuE", " true"]) assert.throws(() => goBool(bad), RangeError);
    assert.equal(goInt("3600"), 3600);
    assert.equal(goInt("-5"), -5);
    assert.throws(() => goInt("1h"), /expected an integer/);
    assert.throws(() => goInt("99", 0, 10), /from 0 to 10/);
    assert.deepEqual(goList("a,b, c"), ["a", "b", " c"]);
    assert.deepEqual(goList(""), []);
    assert.deepEqual(goRate("30"), { events: 30, perSeconds: 3600 });
    assert.deepEqual(goRate("10/5m"), { events: 10, perSeconds: 300 });
    assert.throws(() => goRate("10/5"), /unit/);
  });

  test("durations as time.ParseDuration: units required except for 0", () => {
    assert.equal(goDuration("60s"), 60);
    assert.equal(goDuration("1m30s"), 90);
    assert.equal(goDuration("1.5h"), 5400);
    assert.equal(goDuration("500ms"), 0.5);
    assert.equal(goDuration("0"), 0);
    assert.throws(() => goDuration("60"), /needs a unit/);
    assert.throws(() => goDuration("1d"), /expected a duration/);
    assert.throws(() => goDuration(""), /expected a duration/);
  });
});

describe("redirect allow-list globs (gobwas/glob with '.' and '/' separators)", () => {
  const matches = (pattern: string, url: string) => compileUriGlob(pattern).test(url);
  test("* stops at separators, ** does not, ? is one character", () => {
    assert.ok(matches("https://*.example.com", "https://app.example.com"));
    assert.ok(!matches("https://*.example.com", "https://a.b.example.com"));
    assert.ok(!matches("https://*.example.com", "https://app.example.com/path"));
    assert.ok(matches("https://example.com/**", "https://example.com/a/b?c=d"));
    assert.ok(matches("http://localhost:300?/*", "http://localhost:3001/cb"));
    assert.ok(!matches("https://example.com", "https://example.com.evil.io"));
  });
  test("classes, alternatives and escapes", () => {
    assert.ok(matches("https://{app,admin}.example.com/**", "https://admin.example.com/x"));
    assert.ok(!matches("https://{app,admin}.example.com/**", "https://api.example.com/x"));
    assert.ok(matches("myapp://callback[0-9]", "myapp://callback7"));
    assert.ok(!matches("myapp://callback[!0-9]", "myapp://callback7"));
    assert.ok(matches("https://x.com/\\*", "https://x.com/*"));
    assert.ok(!matches("https://x.com/\\*", "https://x.com/a"));
  });
  test("a malformed pattern is refused, naming it", () => {
    assert.throws(() => compileUriGlob("https://{a,b"), /unclosed \{/);
    assert.throws(() => compileUriGlob("https://x/[a-"), /unclosed \[/);
    assert.throws(() => compileUriGlob("https://x/\\"), /escape/);
  });
});

describe("GOTRUE_* table", () => {
  test("the variables GoTrue containers set become the server's options", () => {
    const { options, warnings } = gotrueSettingsFromEnv({
      GOTRUE_JWT_SECRET: "a-secret-of-at-least-16-chars",
      GOTRUE_JWT_EXP: "600",
      GOTRUE_SITE_URL: "https://app.example.com",
      GOTRUE_URI_ALLOW_LIST: "https://*.example.com/**,myapp://cb",
      GOTRUE_MAILER_AUTOCONFIRM: "false",
      GOTRUE_MAILER_OTP_EXP: "900",
      GOTRUE_SMTP_MAX_FREQUENCY: "5s",
      GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL: "0",
      GOTRUE_PASSWORD_MIN_LENGTH: "10",
      GOTRUE_PASSWORD_REQUIRED_CHARACTERS: "abcdefghijklmnopqrstuvwxyz:0123456789",
      GOTRUE_RATE_LIMIT_TOKEN_REFRESH: "150",
      GOTRUE_RATE_LIMIT_OTP: "30",
      GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION: "600s",
      GOTRUE_MFA_TOTP_ENROLL_ENABLED: "false",
      GOTRUE_MFA_TOTP_VERIFY_ENABLED: "true",
      GOTRUE_MFA_MAX_ENROLLED_FACTORS: "3",
      GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION: "600",
      GOTRUE_MFA_FACTOR_EXPIRY_DURATION: "10m",
      GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: "30",
      GOTRUE_JWT_KEYS:
        '[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQ","kid":"k1","alg":"HS256","key_ops":["sign","verify"]}]',
      PATH: "/usr/bin", // not GoTrue's: not looked at
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(options, {
      jwtSecret: "a-secret-of-at-least-16-chars",
      accessTokenTtl: 600,
      siteUrl: "https://app.example.com",
      uriAllowList: ["https://*.example.com/**", "myapp://cb"],
      confirmEmail: true,
      otpTtl: 900,
      emailMaxFrequency: 5,
      refreshTokenReuseInterval: 0,
      passwordMinLength: 10,
      passwordRequiredCharacters: ["abcdefghijklmnopqrstuvwxyz", "0123456789"],
      rateLimits: { token: 150, signup: 30, mfa: 30 },
      jwtKeys: [{ kty: "oct", k: "c2VjcmV0LXNlY3JldC1zZWNyZXQ", kid: "k1", alg: "HS256", key_ops: ["sign", "verify"] }],
      flowStateTtl: 600,
      mfa: { totpEnroll: false, totpVerify: true, maxEnrolledFactors: 3, challengeExpiry: 600, factorExpiry: 600 },
    });
  });

  test("GoTrue's clamping: 0 means the default, a short password minimum is 6, flow state at least 300 s", () => {
    const { options } = applyGotrueSettings([
      ["GOTRUE_JWT_EXP", "0"],
      ["GOTRUE_MAILER_OTP_EXP", "0"],
      ["GOTRUE_SMTP_MAX_FREQUENCY", "0"],
      ["GOTRUE_PASSWORD_MIN_LENGTH", "2"],
      ["GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION", "10s"],
    ]);
    assert.equal(options.accessTokenTtl, undefined);
    assert.equal(options.otpTtl, undefined);
    assert.equal(options.emailMaxFrequency, undefined);
    assert.equal(options.passwordMinLength, 6);
    assert.equal(options.flowStateTtl, 300);
  });

  test("one warning line per variable the server does not act on; values that match it are quiet", () => {
    const { warnings } = gotrueSettingsFromEnv({
      GOTRUE_API_HOST: "0.0.0.0",
      GOTRUE_DB_DATABASE_URL: "postgres://u:p@db/postgres",
      GOTRUE_SMTP_HOST: "inbucket",
      GOTRUE_SMTP_PASS: "hunter2-smtp",
      GOTRUE_EXTERNAL_PHONE_ENABLED: "true",
      GOTRUE_SECURITY_CAPTCHA_ENABLED: "true",
      GOTRUE_NOT_A_SETTING: "x",
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: "true",
      // quiet: what the server does anyway, or inert while their feature is off
      GOTRUE_JWT_AUD: "authenticated",
      GOTRUE_OPERATOR_TOKEN: "super-secret-operator-token",
      GOTRUE_JWT_ADMIN_ROLES: "service_role",
      GOTRUE_EXTERNAL_EMAIL_MAGIC_LINK_ENABLED: "true",
      GOTRUE_SAML_ENABLED: "false",
      GOTRUE_SMS_TEMPLATE: "Your code is {{ .Code }}",
      GOTRUE_MAILER_URLPATHS_CONFIRMATION: "http://127.0.0.1:54321/auth/v1/verify",
      GOTRUE_MAILER_OTP_LENGTH: "6",
      GOTRUE_EXTERNAL_GITHUB_ENABLED: "false",
      GOTRUE_EXTERNAL_GITHUB_CLIENT_ID: "",
      GOTRUE_NOT_SET: "", // empty: unset
    });
    const names = warnings.map((w) => w.split(":")[0]);
    assert.deepEqual(names, [
      "GOTRUE_API_HOST",
      "GOTRUE_DB_DATABASE_URL",
      "GOTRUE_EXTERNAL_PHONE_ENABLED",
      "GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED",
      "GOTRUE_NOT_A_SETTING",
      "GOTRUE_SECURITY_CAPTCHA_ENABLED",
      "GOTRUE_SMTP_HOST",
      "GOTRUE_SMTP_PASS",
    ]);
    assert.match(warnings.join("\n"), /GOTRUE_EXTERNAL_PHONE_ENABLED: phone sign-in \(SMS\) is not supported/);
    assert.match(warnings.join("\n"), /GOTRUE_NOT_A_SETTING: not a GoTrue setting the local server knows/);
    assert.doesNotMatch(warnings.join("\n"), /hunter2|u:p@db/, "values are never echoed");
  });

  test("a value GoTrue refuses is an error naming the variable, never echoing the value", () => {
    const cases: [string, string, RegExp][] = [
      ["GOTRUE_JWT_EXP", "1h", /^GOTRUE_JWT_EXP: expected an integer$/],
      ["GOTRUE_MAILER_AUTOCONFIRM", "yes", /^GOTRUE_MAILER_AUTOCONFIRM: expected true or false$/],
      ["GOTRUE_SMTP_MAX_FREQUENCY", "60", /^GOTRUE_SMTP_MAX_FREQUENCY: a duration needs a unit/],
      ["GOTRUE_SITE_URL", "not a url", /^GOTRUE_SITE_URL: expected an absolute URL$/],
      ["GOTRUE_URI_ALLOW_LIST", "https://{a,b", /^GOTRUE_URI_ALLOW_LIST: redirect URL pattern .* unclosed/],
      ["GOTRUE_JWT_SECRET", "short-secret", /^GOTRUE_JWT_SECRET: must be at least 16 characters$/],
      ["GOTRUE_JWT_KEYS", '{"keys":[]}', /^GOTRUE_JWT_KEYS: expected a JSON array of JWKs$/],
      [
        "GOTRUE_JWT_KEYS",
        '[{"kty":"oct","k":"c2VjcmV0","kid":"a","key_ops":["sign"]},{"kty":"oct","k":"c2VjcmV0","kid":"b","key_ops":["sign"]}]',
        /^GOTRUE_JWT_KEYS: jwtKeys: multiple signing keys detected/,
      ],
    ];
    for (const [name, value, message] of cases) {
      assert.throws(
        () => applyGotrueSettings([[name, value]]),
        (err: unknown) => err instanceof GotrueConfigError && message.test(err.message) && err.variable === name,
        name,
      );
    }
    const err = (() => {
      try {
        applyGotrueSettings([["GOTRUE_JWT_SECRET", "short-secret"]]);
      } catch (e) {
        return e as Error;
      }
    })();
    assert.doesNotMatch(err?.message ?? "", /short-secret/);
  });

  test("OpenID Connect providers from GOTRUE_EXTERNAL_<NAME>_*, others warned about", () => {
    const { options, warnings } = gotrueSettingsFromEnv({
      GOTRUE_EXTERNAL_KEYCLOAK_ENABLED: "true",
      GOTRUE_EXTERNAL_KEYCLOAK_CLIENT_ID: "lgauth",
      GOTRUE_EXTERNAL_KEYCLOAK_SECRET: "kc-secret",
      GOTRUE_EXTERNAL_KEYCLOAK_URL: "http://127.0.0.1:8080/realms/dev",
      GOTRUE_EXTERNAL_KEYCLOAK_REDIRECT_URI: "http://127.0.0.1:54321/auth/v1/callback",
      GOTRUE_EXTERNAL_GITHUB_ENABLED: "true",
      GOTRUE_EXTERNAL_GITHUB_CLIENT_ID: "gh",
      GOTRUE_EXTERNAL_GITHUB_SECRET: "gh-secret",
    });
    assert.deepEqual(options.externalProviders, {
      keycloak: { issuer: "http://127.0.0.1:8080/realms/dev", clientId: "lgauth", clientSecret: "kc-secret" },
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^GOTRUE_EXTERNAL_GITHUB_ENABLED: github is not an OpenID Connect provider/);
    assert.throws(
      () => gotrueSettingsFromEnv({ GOTRUE_EXTERNAL_GOOGLE_ENABLED: "true", GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID: "x" }),
      /GOTRUE_EXTERNAL_GOOGLE_ENABLED is true but .*_SECRET is not set/,
    );
  });

  test("every row names a GOTRUE_ variable once; the README names every one that sets an option", () => {
    const names = GOTRUE_VARIABLES.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) assert.match(n, /^GOTRUE_[A-Z0-9_]+$/);
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const missing = GOTRUE_VARIABLES.filter((r) => r.kind === "option" && !readme.includes(r.name));
    assert.deepEqual(
      missing.map((r) => r.name),
      [],
    );
  });

  test("password required characters decode as GoTrue's, '\\:' being a colon", () => {
    assert.deepEqual(decodeRequiredCharacters("abc:ABC:012"), ["abc", "ABC", "012"]);
    assert.deepEqual(decodeRequiredCharacters("a\\:b:c"), ["a:b", "c"]);
    assert.deepEqual(decodeRequiredCharacters("::x:"), ["x"]);
  });
});

describe("password policy", () => {
  test("length and character sets are reported together, as GoTrue joins them", () => {
    const policy = { passwordMinLength: 8, passwordRequiredCharacters: ["abc", "0123456789"] };
    assert.throws(
      () => checkPasswordStrength("xyz", policy),
      (err: Error & { reasons?: string[] }) =>
        err.message ===
          "Password should be at least 8 characters. Password should contain at least one character of each: abc, 0123456789." &&
        JSON.stringify(err.reasons) === '["length","characters"]',
    );
    checkPasswordStrength("abcdefg1", policy);
  });
});

describe("standalone arguments", () => {
  test("flags beat GOTRUE_* variables; SUPABASE_JWT_SECRET beats GOTRUE_JWT_SECRET", () => {
    const { options, warnings } = parseMainArgs(["--access-token-ttl", "300", "--port", "0"], {
      GOTRUE_JWT_EXP: "120",
      GOTRUE_SITE_URL: "https://site.example.com",
      GOTRUE_JWT_SECRET: "gotrue-secret-0123456789",
      SUPABASE_JWT_SECRET: "supabase-secret-0123456789",
      GOTRUE_MAILER_AUTOCONFIRM: "false",
      GOTRUE_API_PORT: "9999",
    });
    assert.equal(options.accessTokenTtl, 300);
    assert.equal(options.siteUrl, "https://site.example.com");
    assert.equal(options.jwtSecret, "supabase-secret-0123456789");
    assert.equal(options.confirmEmail, true);
    assert.equal(options.port, 0);
    assert.deepEqual(
      warnings.map((w) => w.split(":")[0]),
      ["GOTRUE_API_PORT"],
    );
    // a value GoTrue refuses: a usage error (main.ts prints it as one line and exits 2)
    assert.throws(
      () => parseMainArgs([], { GOTRUE_JWT_EXP: "1h" }),
      (err: unknown) => err instanceof UsageError && err.message === "GOTRUE_JWT_EXP: expected an integer",
    );
  });
});
