/**
 * AUTH_MFA's rule (src/server/mfa.ts) over every level and factor count, how the setting is
 * read, and that the level permissions are the server's alone (never from app_metadata).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { permissionsFrom } from "../../src/server/claims.js";
import { toHttpException } from "../../src/server/failure.js";
import { mfaRefusal } from "../../src/server/mfa.js";
import { loadAuthSettings, SettingsError } from "../../src/server/settings.js";

test("off refuses nothing; enrolled refuses aal1 of users with a factor; required refuses every aal1", () => {
  const refused = (...args: Parameters<typeof mfaRefusal>) => mfaRefusal(...args)?.message;
  for (const factors of [undefined, 0, 2]) {
    assert.equal(refused("off", "aal1", factors), undefined);
    assert.equal(refused("off", undefined, factors), undefined);
    for (const mode of ["enrolled", "required"] as const) assert.equal(refused(mode, "aal2", factors), undefined);
  }
  assert.match(refused("enrolled", "aal1", 1) ?? "", /^MFA required: this account has a verified second factor/);
  assert.match(refused("enrolled", undefined, 1) ?? "", /^MFA required/, "no aal claim counts as aal1");
  assert.equal(refused("enrolled", "aal1", 0), undefined);
  assert.equal(refused("enrolled", "aal1", undefined), undefined, "lookup failed open: the revocation policy decided");
  assert.match(refused("required", "aal1", 0) ?? "", /^MFA required: .*enroll a second factor/);
  assert.match(refused("required", "aal1", 3) ?? "", /^MFA required: this account has a verified second factor/);
  assert.match(refused("required", "aal1", undefined) ?? "", /^MFA required: this server accepts only aal2/);
});

test("a refusal is a 403 with RFC 9470's step-up challenge", () => {
  const failure = mfaRefusal("required", "aal1", 0);
  assert.ok(failure);
  const http = toHttpException(failure);
  assert.equal(http.status, 403);
  const challenge = new Headers(http.headers as HeadersInit).get("WWW-Authenticate") ?? "";
  assert.match(
    challenge,
    /^Bearer error="insufficient_user_authentication", error_description="MFA required: .*", acr_values="aal2"$/,
  );
});

test("AUTH_MFA is off, enrolled (default) or required", () => {
  const base = { SUPABASE_URL: "http://127.0.0.1:1" };
  assert.equal(loadAuthSettings(base).mfa, "enrolled");
  assert.equal(loadAuthSettings({ ...base, AUTH_MFA: "Required" }).mfa, "required");
  assert.equal(loadAuthSettings({ ...base, AUTH_MFA: "off" }).mfa, "off");
  assert.throws(() => loadAuthSettings({ ...base, AUTH_MFA: "aal2" }), SettingsError);
});

test("app_metadata cannot grant the level permissions", () => {
  assert.deepEqual(permissionsFrom({ permissions: ["aal2", "admin", "aal1", 7] }), ["admin"]);
});
