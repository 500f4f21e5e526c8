/**
 * The local provider's accounts: the demo account plus any given ones, found by email with the
 * password compared in constant time. The subject is derived from the email so it stays the
 * same across restarts (Supabase Auth links the identity by provider and subject).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { DEMO_OIDC_EMAIL, DEMO_OIDC_NAME, DEMO_OIDC_PASSWORD } from "./demo.js";

export interface AccountInput {
  email: string;
  password: string;
  name?: string;
}

export interface LocalAccount {
  sub: string;
  email: string;
  name: string;
  passwordDigest: Buffer;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function subjectFor(email: string): string {
  return createHash("sha256").update(`lgauth-local-oidc\0${email}`).digest("base64url").slice(0, 27);
}

export class AccountStore {
  private readonly byEmail = new Map<string, LocalAccount>();
  private readonly bySub = new Map<string, LocalAccount>();

  constructor(accounts: AccountInput[] = []) {
    for (const a of [{ email: DEMO_OIDC_EMAIL, password: DEMO_OIDC_PASSWORD, name: DEMO_OIDC_NAME }, ...accounts]) {
      const email = a.email.trim().toLowerCase();
      if (!email.includes("@")) throw new RangeError(`local OIDC account "${email.slice(0, 64)}" is not an email`);
      if (a.password.length < 6) throw new RangeError(`local OIDC account ${email}: the password is too short`);
      const account: LocalAccount = {
        sub: subjectFor(email),
        email,
        name: a.name ?? email.split("@")[0] ?? email,
        passwordDigest: digest(a.password),
      };
      this.byEmail.set(email, account); // a given account replaces the demo one with its email
      this.bySub.set(account.sub, account);
    }
  }

  /** The account for this email and password, or undefined (same work either way). */
  check(email: string, password: string): LocalAccount | undefined {
    const account = this.byEmail.get(email.trim().toLowerCase());
    const given = digest(password);
    const ok = timingSafeEqual(given, account?.passwordDigest ?? digest(`\0${password}`));
    return account && ok ? account : undefined;
  }

  bySubject(sub: string): LocalAccount | undefined {
    return this.bySub.get(sub);
  }
}
