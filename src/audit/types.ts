/** The shapes shared by the probe table, its runner and the reports. */

/** One of the two users: `owner` has the data, `attacker` tries to reach it. */
export interface Party {
  /** The name reports use for this user (the profile name in `audit`, alice or bob in `demo`). */
  name: string;
  userId: string;
  /** A token valid for the next request: asked before every request, so a check can never
   * pass because the prober's own token expired meanwhile. */
  token: () => Promise<string>;
}

/** Tokens that must all be refused; a probe that needs one not given is left out. */
export interface BadTokens {
  forged?: string;
  tampered?: string;
  expired?: string;
  revoked?: string;
}
export type BadTokenKind = keyof BadTokens;

/**
 * The owner has a verified second factor (MFA): a session of theirs from the first factor
 * alone, which a server holding MFA users to aal2 refuses, and one that passed the second.
 */
export interface MfaTokens {
  aal1: string;
  aal2?: string;
  /**
   * The server is known to hold MFA users to aal2 (the demo's own stack, AUTH_MFA=enrolled).
   * Otherwise its policy is unknown (AUTH_MFA=off may be deliberate): accepting the aal1
   * session is a warning, not a leak.
   */
  enforced: boolean;
}

export interface ProbeTarget {
  langgraphUrl: string;
  owner: Party;
  attacker: Party;
  assistantId?: string;
  badTokens?: BadTokens;
  mfa?: MfaTokens;
}

/** The outcome of one probe, as the reports print it. */
export interface Check {
  name: string;
  route: string;
  expected: string;
  actual: string;
  ok: boolean;
  /** Why a failed check matters, for the LEAK row. */
  explanation?: string;
  /** A finding that is no leak (the check still passes): said in a warning row. */
  warning?: string;
  /** How long the probe took (request and second looks), for the JUnit report. */
  ms?: number;
}
