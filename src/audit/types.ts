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

export interface ProbeTarget {
  langgraphUrl: string;
  owner: Party;
  attacker: Party;
  assistantId?: string;
  badTokens?: BadTokens;
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
  /** How long the probe took (request and second looks), for the JUnit report. */
  ms?: number;
}
