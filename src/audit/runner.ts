/**
 * Runs the probe table (probes.ts) against a LangGraph server: makes the owner's data
 * (fixture.ts), sends each probe as its sender, judges the answer (judge.ts) and returns one
 * Check per probe, named with the real users' names.
 */
import { type Ask, type Fixture, prepareFixture } from "./fixture.js";
import { probeFetch } from "./http.js";
import { AFTERMATHS, describeAnswer, VERDICTS } from "./judge.js";
import { PROBES, type Probe } from "./probes.js";
import type { Check, Party, ProbeTarget } from "./types.js";

export { ProbeSetupError } from "./fixture.js";

export interface ProbeRun {
  checks: Check[];
  /** Removes the owner's and the attacker's probe data. */
  cleanup(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 4_000;

/** Replaces `{key}` in every string inside `value` (objects and arrays are copied). */
function fill<T>(value: T, ids: Record<string, string>): T {
  if (typeof value === "string") {
    return value.replace(/\{([a-z_0-9]+)\}/g, (whole, key: string) => ids[key] ?? whole) as T;
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, ids)) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, ids)])) as T;
  }
  return value;
}

export async function runProbes(target: ProbeTarget, probes: readonly Probe[] = PROBES): Promise<ProbeRun> {
  const base = target.langgraphUrl.replace(/\/+$/, "");
  const { owner, attacker } = target;
  const names = { owner: owner.name, attacker: attacker.name };
  const ask: Ask = async (who: Party | null, req) =>
    probeFetch(base, { ...req, token: who ? await who.token() : null });
  const fixture: Fixture = await prepareFixture(target, ask);
  const checks: Check[] = [];
  try {
    for (const probe of probes) {
      const check = await runOne(probe);
      if (check) checks.push(check);
    }
  } catch (err) {
    await fixture.cleanup();
    throw err;
  }
  return { checks, cleanup: fixture.cleanup };

  async function runOne(probe: Probe): Promise<Check | undefined> {
    const started = performance.now();
    let token: string | null;
    if (probe.sender === "attacker") token = await attacker.token();
    else if (probe.sender === "nobody") token = null;
    else if (probe.sender === "owner-aal1" || probe.sender === "owner-aal2") {
      const mfa = probe.sender === "owner-aal1" ? target.mfa?.aal1 : target.mfa?.aal2;
      if (mfa === undefined) return undefined;
      token = mfa;
    } else {
      const bad = target.badTokens?.[probe.sender];
      if (bad === undefined) return undefined;
      token = bad;
    }
    const res = await probeFetch(base, {
      method: probe.method,
      path: fill(probe.path, fixture.ids),
      token,
      ...(probe.body !== undefined ? { body: fill(probe.body, fixture.ids) } : {}),
      ...(probe.headers ? { headers: fill(probe.headers, fixture.ids) } : {}),
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    const secrets = [fixture.ids.marker, ...(probe.leaks ?? []).map((id) => fixture.ids[id])];
    const leaked = !probe.echoes && !probe.own && secrets.some((s) => res.text.includes(s));
    const finding = probe.aftermath
      ? await AFTERMATHS[probe.aftermath]({ res, ask, fixture, owner, attacker })
      : undefined;
    const verdict = VERDICTS[probe.expect];
    const statusOk = verdict.allows(res.status);
    // a policy the server may have chosen (MFA off): a warning unless the caller knows the policy
    const warn = !statusOk && probe.policy === "mfa" && target.mfa?.enforced !== true;
    const ok = !leaked && !finding?.leak && (statusOk || warn);
    const explanation =
      leaked || finding?.leak || statusOk ? probe.explanation : `answered ${res.status}, not ${verdict.expected}`;
    return {
      name: fill(probe.name, names),
      route: `${probe.method} ${probe.path}`,
      expected: fill(probe.expected ?? verdict.expected, names),
      actual: finding
        ? `${res.status}, ${fill(finding.words, names)}`
        : describeAnswer(res, leaked ? owner.name : undefined),
      ok,
      explanation: fill(explanation, names),
      ...(warn ? { warning: fill(`${probe.explanation} (its MFA policy is unknown: AUTH_MFA=off?)`, names) } : {}),
      ms: Math.round(performance.now() - started),
    };
  }
}
