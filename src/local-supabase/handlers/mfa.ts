/**
 * TOTP multi-factor authentication (GoTrue internal/api/mfa.go): enroll, challenge, verify and
 * unenroll under /factors, for signed-in, non-anonymous users. Beyond GoTrue: a code is accepted
 * once (its time step is remembered per factor), and the server's wrong-code rule
 * (code-attempts.ts) counts per factor: the fifth wrong code voids the factor's open challenges,
 * which then answer as expired, and every challenge of it answers so, its code unchecked, until
 * a challenge's lifetime (mfa.challengeExpiry) has passed since then. A TOTP code follows the
 * clock, not the challenge, so counting per challenge would give every new challenge five more
 * guesses at the same code.
 */
import { recordAudit } from "../audit.js";
import type { Handler } from "../app.js";
import { type Authenticated, isUuid, requireAuthentication } from "../auth.js";
import { type ApiError, badRequest, forbidden, notFound, unexpectedFailure, unprocessable } from "../errors.js";
import {
  challengeExpiresAt,
  createChallenge,
  deleteExpiredFactors,
  downgradeSessions,
  type FactorRow,
  findChallengeForUpdate,
  findOwnedFactor,
  insertTotpFactor,
  listFactors,
} from "../factors.js";
import { type JsonObject, type Req, readJson, sendJson, str } from "../http.js";
import { findSession, stepUpSession } from "../sessions.js";
import { newTotpSecret, qrCodeSvg, totpStep, totpUri } from "../totp.js";

export async function requireMfaUser(app: Parameters<Handler>[0], req: Req): Promise<Authenticated> {
  const auth = await requireAuthentication(app, req);
  if (auth.claims.is_anonymous === true) {
    throw forbidden("no_authorization", "Anonymous user not allowed to perform these actions");
  }
  return auth;
}

/** GoTrue's loadFactor: the {factor_id} path segment, owned by `userId`. */
export async function loadFactor(app: Parameters<Handler>[0], userId: string, id: string): Promise<FactorRow> {
  if (!isUuid(id)) throw notFound("validation_failed", "factor_id must be an UUID");
  const factor = await findOwnedFactor(app.database.db, userId, id);
  if (!factor) throw notFound("mfa_factor_not_found", "Factor not found");
  return factor;
}

/** /factors/{id}[/…] → id */
const factorIdOf = (req: Req) => req.path.split("/")[2] ?? "";

const invalidCode = () => unprocessable("mfa_verification_failed", "Invalid TOTP code entered");

export const enrollFactor: Handler = async (app, req, res) => {
  const auth = await requireMfaUser(app, req);
  const session = auth.session;
  if (!session) {
    throw unexpectedFailure("A valid session and a registered user are required to enroll a factor");
  }
  const params = await readJson(
    req,
    { friendly_name: "string", factor_type: "string", issuer: "string", phone: "string" },
    "EnrollFactorParams",
  );
  const type = str(params, "factor_type");
  if (type === "phone") throw unprocessable("mfa_phone_enroll_not_enabled", "MFA enroll is disabled for Phone");
  if (type === "webauthn") {
    throw unprocessable("mfa_webauthn_enroll_not_enabled", "MFA enroll is disabled for WebAuthn");
  }
  if (type !== "totp") throw badRequest("validation_failed", "factor_type needs to be totp, phone, or webauthn");
  if (!app.config.mfa.totpEnroll) {
    throw unprocessable("mfa_totp_enroll_not_enabled", "MFA enroll is disabled for TOTP");
  }
  const name = str(params, "friendly_name");
  const issuer = str(params, "issuer") || new URL(app.config.siteUrl).host;
  const account = auth.user.row.email ?? "";
  if (account === "") throw unexpectedFailure("Error generating QR Code");

  const limits = app.config.mfa;
  const secret = newTotpSecret();
  const factor = await app.database.tx(async (tx) => {
    await deleteExpiredFactors(tx, limits.factorExpiry);
    const factors = await listFactors(tx, auth.user.row.id);
    if (factors.some((f) => f.friendly_name === name)) {
      throw unprocessable(
        "mfa_factor_name_conflict",
        `A factor with the friendly name ${JSON.stringify(name)} for this user already exists`,
      );
    }
    const verified = factors.filter((f) => f.status === "verified").length;
    if (factors.length >= limits.maxEnrolledFactors || verified >= limits.maxVerifiedFactors) {
      throw unprocessable(
        "too_many_enrolled_mfa_factors",
        "Maximum number of verified factors reached, unenroll to continue",
      );
    }
    if (verified > 0 && session.aal !== "aal2") {
      throw forbidden("insufficient_aal", "AAL2 required to enroll a new factor");
    }
    const inserted = await insertTotpFactor(tx, auth.user.row.id, name, secret);
    await recordAudit(tx, auth.user.row, "factor_in_progress", { traits: { factor_id: inserted.id }, ip: req.ip });
    return inserted;
  });
  const uri = totpUri(issuer, account, secret);
  sendJson(res, 200, {
    id: factor.id,
    type: "totp",
    friendly_name: factor.friendly_name,
    totp: { qr_code: qrCodeSvg(uri), secret, uri },
  });
};

export const challengeFactor: Handler = async (app, req, res) => {
  const auth = await requireMfaUser(app, req);
  const factor = await loadFactor(app, auth.user.row.id, factorIdOf(req));
  app.limiters.mfaChallenge.take(req.ip);
  if (!app.config.mfa.totpVerify) {
    throw unprocessable("mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP");
  }
  const challenge = await app.database.tx(async (tx) => {
    const created = await createChallenge(tx, factor.id, req.ip);
    await recordAudit(tx, auth.user.row, "challenge_created", {
      traits: { factor_id: factor.id, factor_status: factor.status },
      ip: req.ip,
    });
    return created;
  });
  sendJson(res, 200, {
    id: challenge.id,
    type: factor.factor_type,
    expires_at: challengeExpiresAt(challenge, app.config.mfa.challengeExpiry),
  });
};

export const verifyFactor: Handler = async (app, req, res) => {
  const auth = await requireMfaUser(app, req);
  const factor = await loadFactor(app, auth.user.row.id, factorIdOf(req));
  app.limiters.mfaVerify.take(req.ip);
  const params = await readJson(req, { challenge_id: "string", code: "string" }, "VerifyFactorParams");
  const challengeId = str(params, "challenge_id");
  if (challengeId !== "" && !isUuid(challengeId)) {
    throw badRequest(
      "bad_json",
      `Could not parse request body as JSON: uuid: incorrect UUID format in string ${JSON.stringify(challengeId.slice(0, 64))}`,
    );
  }
  const code = str(params, "code");
  if (code === "") throw badRequest("validation_failed", "Code needs to be non-empty");
  if (!app.config.mfa.totpVerify) {
    throw unprocessable("mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP");
  }
  const sessionId = auth.session?.id;
  if (!sessionId) throw unexpectedFailure("Cannot read SessionId claim as UUID");

  const outcome = await app.database.tx(async (tx): Promise<{ ok: JsonObject } | { error: ApiError }> => {
    const challenge = challengeId === "" ? undefined : await findChallengeForUpdate(tx, factor.id, challengeId);
    if (!challenge) {
      return {
        error: unprocessable("mfa_factor_not_found", "MFA factor with the provided challenge ID not found"),
      };
    }
    if (challenge.verified_at !== null || challenge.ip_address !== req.ip) {
      return { error: unprocessable("mfa_ip_address_mismatch", "Challenge and verify IP addresses mismatch.") };
    }
    const expired = Date.now() / 1000 > challengeExpiresAt(challenge, app.config.mfa.challengeExpiry);
    const subject = `factor:${factor.id}`;
    const hold = app.config.mfa.challengeExpiry * 1000;
    // the attempt is taken before the code is checked, so parallel guesses check no more than the limit
    if (expired || challenge.voided || !app.codeAttempts.take(subject, hold)) {
      await tx.query("delete from mfa_challenges where id = $1", [challenge.id]);
      return {
        error: unprocessable(
          "mfa_challenge_expired",
          `MFA challenge ${challenge.id} has expired, verify against another challenge or create a new challenge.`,
        ),
      };
    }
    const current = await tx.query<{ last_used_step: string | null }>(
      "select last_used_step from mfa_factors where id = $1 for update",
      [factor.id],
    );
    const lastStep = current.rows[0]?.last_used_step;
    const step = totpStep(factor.secret, code);
    if (step === undefined || (lastStep != null && step <= Number(lastStep))) {
      if (app.codeAttempts.spent(subject)) {
        await tx.query("update mfa_challenges set voided = true where factor_id = $1 and verified_at is null", [
          factor.id,
        ]);
        app.config.log(`[local-supabase] ${app.codeAttempts.limit} wrong codes for MFA factor ${factor.id}: held`);
      }
      return { error: invalidCode() };
    }
    app.codeAttempts.reset(subject);
    await recordAudit(tx, auth.user.row, "verification_attempted", {
      traits: { factor_id: factor.id, challenge_id: challenge.id, factor_type: factor.factor_type },
      ip: req.ip,
    });
    const now = new Date().toISOString();
    await tx.query("update mfa_challenges set verified_at = $2 where id = $1", [challenge.id, now]);
    await tx.query("update mfa_factors set status = 'verified', last_used_step = $2, updated_at = $3 where id = $1", [
      factor.id,
      step,
      now,
    ]);
    // models.DeleteUnverifiedFactors: the other pending enrollments of this type go
    await tx.query("delete from mfa_factors where user_id = $1 and status = 'unverified' and factor_type = $2", [
      factor.user_id,
      factor.factor_type,
    ]);
    const session = await findSession(tx, sessionId);
    if (!session)
      return { error: forbidden("session_not_found", "Session from session_id claim in JWT does not exist") };
    return { ok: await stepUpSession(tx, app.tokens, session, factor.id, "totp") };
  });
  if ("error" in outcome) throw outcome.error;
  sendJson(res, 200, outcome.ok);
};

export const unenrollFactor: Handler = async (app, req, res) => {
  const auth = await requireMfaUser(app, req);
  const factor = await loadFactor(app, auth.user.row.id, factorIdOf(req));
  if (!auth.session) {
    throw unexpectedFailure("A valid session and factor are required to unenroll a factor");
  }
  if (factor.status === "verified" && auth.session.aal !== "aal2") {
    throw unprocessable("insufficient_aal", "AAL2 required to unenroll verified factor");
  }
  const session = auth.session;
  await app.database.tx(async (tx) => {
    await tx.query("delete from mfa_factors where id = $1", [factor.id]);
    await recordAudit(tx, auth.user.row, "factor_unenrolled", {
      traits: { factor_id: factor.id, factor_status: factor.status, session_id: session.id },
      ip: req.ip,
    });
    await downgradeSessions(tx, factor);
  });
  sendJson(res, 200, { id: factor.id });
};
