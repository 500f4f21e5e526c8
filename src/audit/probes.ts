/**
 * The isolation probes shared by `lgauth demo` and `lgauth audit`, as data: one row per thing
 * the attacker (or a request without a valid user) tries against the owner's data, the
 * answer a private server gives, and how the answer is judged. runner.ts sends them in this
 * order (the last rows change or delete the owner's data); fixture.ts makes the data first.
 *
 * To add a probe, add a row. Placeholders:
 *  - in `name`, `expected` and `explanation`: `{owner}` and `{attacker}`, the users' names;
 *  - in `path`, `body` and `headers`: the ids of fixture.ts (`{owner_thread}`, `{owner_run}`,
 *    `{owner_id}`, `{attacker_thread}`, `{marker}`, …). The report shows `path` as written, so
 *    routes read `GET /threads/{owner_thread}`, never a real id.
 * A probe leaks when the answer holds the owner's secret marker (or another id in `leaks`),
 * when its `aftermath` finds a change or a way around, or when its status is not one `expect`
 * allows.
 */
import type { BadTokenKind } from "./types.js";

/** What a private server answers, and which statuses that allows (judge.ts). */
export type Verdict = "unauthenticated" | "refused" | "refused-or-nothing" | "mfa-refused" | "accepted" | "any";

/** A second look after the request, as the owner or attacker (judge.ts). */
export type Aftermath =
  | "thread-changed"
  | "thread-gone"
  | "store-overwritten"
  | "copy-readable"
  | "thread-planted"
  | "run-drained";

/** Fixture ids a probe may name (fixture.ts). */
export type FixtureId =
  | "owner_id"
  | "owner_thread"
  | "owner_run"
  | "owner_unread_run"
  | "owner_unread_run_2"
  | "owner_join_thread"
  | "owner_join_run"
  | "attacker_thread"
  | "assistant"
  | "namespace"
  | "marker";

export interface Probe {
  name: string;
  /**
   * Who sends it: the attacker with a valid token, nobody (no token), a bad token, or the owner
   * with an MFA session of theirs (ProbeTarget.mfa: first factor only, or both).
   */
  sender: "attacker" | "nobody" | BadTokenKind | "owner-aal1" | "owner-aal2";
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  expect: Verdict;
  /** When `expect` is "any": what a private server does instead. */
  expected?: string;
  /** Fixture ids whose presence in the answer is a leak, besides the marker. */
  leaks?: FixtureId[];
  /** The request itself carries the marker, so the answer may echo it: judged by its aftermath alone. */
  echoes?: true;
  /** Sent with the owner's own session: the owner's data in the answer is theirs; judged by status. */
  own?: true;
  /** The answer is the server's MFA policy's to decide: when that policy is unknown, a wrong status is a warning. */
  policy?: "mfa";
  aftermath?: Aftermath;
  /** Why a leak here matters, for the LEAK row. */
  explanation: string;
}

const NO_USER = "the server answered a request that carries no valid user";
const search = { method: "POST", path: "/threads/search", body: { limit: 10 } } as const;
const question = (text: string) => ({ messages: [{ role: "user", content: text }] });

export const PROBES: readonly Probe[] = [
  // --- requests without a valid user (first: the bad tokens are short-lived) ----------------
  { name: "no token", sender: "nobody", ...search, expect: "unauthenticated", explanation: NO_USER },
  {
    name: "Studio bypass header (x-auth-scheme: langsmith)",
    sender: "nobody",
    ...search,
    headers: { "x-auth-scheme": "langsmith" },
    expect: "unauthenticated",
    explanation: NO_USER,
  },
  {
    name: "forged token (signed by another key)",
    sender: "forged",
    ...search,
    expect: "unauthenticated",
    explanation: NO_USER,
  },
  {
    name: "tampered token ({attacker}'s signature, {owner}'s id)",
    sender: "tampered",
    ...search,
    expect: "unauthenticated",
    explanation: NO_USER,
  },
  { name: "expired token", sender: "expired", ...search, expect: "unauthenticated", explanation: NO_USER },
  { name: "token after logout", sender: "revoked", ...search, expect: "unauthenticated", explanation: NO_USER },

  // --- the owner has turned on MFA (ProbeTarget.mfa): their sessions without and with it ------
  {
    name: "{owner}'s password-only (aal1) token, {owner} has MFA",
    sender: "owner-aal1",
    ...search,
    expect: "mfa-refused",
    own: true,
    policy: "mfa",
    explanation: "the server accepts a session of {owner}'s without the second factor {owner} turned on",
  },
  {
    name: "{owner}'s aal2 token (second factor verified)",
    sender: "owner-aal2",
    ...search,
    expect: "accepted",
    own: true,
    explanation: "the server refuses {owner}'s session although it passed the second factor",
  },

  // --- the attacker reads the owner's thread -------------------------------------------------
  {
    name: "read {owner}'s thread",
    sender: "attacker",
    method: "GET",
    path: "/threads/{owner_thread}",
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s conversation",
  },
  {
    name: "read {owner}'s thread state",
    sender: "attacker",
    method: "GET",
    path: "/threads/{owner_thread}/state",
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s conversation",
  },
  {
    name: "read {owner}'s thread history",
    sender: "attacker",
    method: "POST",
    path: "/threads/{owner_thread}/history",
    body: { limit: 10 },
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s conversation",
  },
  {
    name: "list {owner}'s runs",
    sender: "attacker",
    method: "GET",
    path: "/threads/{owner_thread}/runs",
    leaks: ["owner_run"],
    expect: "refused-or-nothing",
    explanation: "{attacker} listed {owner}'s runs",
  },
  {
    name: "read {owner}'s run",
    sender: "attacker",
    method: "GET",
    path: "/threads/{owner_thread}/runs/{owner_run}",
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s conversation",
  },
  {
    name: "search threads by {owner}'s metadata",
    sender: "attacker",
    method: "POST",
    path: "/threads/search",
    body: { metadata: { lgauth_probe: "{marker}" }, limit: 10 },
    expect: "refused-or-nothing",
    explanation: "{attacker} found {owner}'s thread",
  },
  {
    // leaks when the owner opened the thread's session first (fixture.ts does)
    name: "protocol v2 state.get on {owner}'s thread",
    sender: "attacker",
    method: "POST",
    path: "/threads/{owner_thread}/commands",
    body: { id: 1, method: "state.get", params: {} },
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s conversation through the thread session {owner} opened",
  },

  // --- the attacker reads the owner's runs as they stream (runs nobody else has read) -------
  {
    name: "join {owner}'s run stream (run id only)",
    sender: "attacker",
    method: "GET",
    path: "/runs/{owner_unread_run}/stream",
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s answer from its stream",
  },
  {
    name: "join {owner}'s run stream through {owner}'s thread",
    sender: "attacker",
    method: "GET",
    path: "/threads/{owner_thread}/runs/{owner_run}/stream",
    headers: { "Last-Event-ID": "-1" },
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s answer from its stream",
  },
  {
    name: "join {owner}'s run through {attacker}'s own thread",
    sender: "attacker",
    method: "GET",
    path: "/threads/{attacker_thread}/runs/{owner_unread_run_2}/stream",
    expect: "refused-or-nothing",
    explanation: "{attacker} received {owner}'s run by naming it under their own thread",
  },
  {
    name: "join {owner}'s run through {attacker}'s own thread (resumable replay)",
    sender: "attacker",
    method: "GET",
    path: "/threads/{attacker_thread}/runs/{owner_run}/stream",
    headers: { "Last-Event-ID": "-1" },
    expect: "refused-or-nothing",
    explanation: "{attacker} replayed {owner}'s whole run (Last-Event-ID: -1) by naming it under their own thread",
  },
  {
    name: "wait on {owner}'s run through {attacker}'s own thread (/join)",
    sender: "attacker",
    method: "GET",
    path: "/threads/{attacker_thread}/runs/{owner_join_run}/join",
    aftermath: "run-drained",
    expect: "refused-or-nothing",
    explanation: "{attacker} reached {owner}'s run by naming it under their own thread",
  },

  // --- the attacker changes or copies the owner's data --------------------------------------
  {
    name: "update {owner}'s thread metadata",
    sender: "attacker",
    method: "PATCH",
    path: "/threads/{owner_thread}",
    body: { metadata: { lgauth_probe_pwned: "attacker" } },
    aftermath: "thread-changed",
    expect: "refused",
    explanation: "{attacker} changed {owner}'s thread",
  },
  {
    name: "create a run on {owner}'s thread",
    sender: "attacker",
    method: "POST",
    path: "/threads/{owner_thread}/runs",
    body: { assistant_id: "{assistant}", input: question("the attacker was here") },
    expect: "refused",
    explanation: "{attacker} ran the agent on {owner}'s conversation",
  },
  {
    name: "copy {owner}'s thread",
    sender: "attacker",
    method: "POST",
    path: "/threads/{owner_thread}/copy",
    body: {},
    aftermath: "copy-readable",
    expect: "refused",
    explanation: "{attacker} copied {owner}'s conversation into their own thread",
  },
  {
    name: "read {owner}'s store item",
    sender: "attacker",
    method: "GET",
    path: "/store/items?namespace={namespace}&key=secret",
    expect: "refused-or-nothing",
    explanation: "{attacker} read {owner}'s long-term memory",
  },
  {
    name: "search {owner}'s store namespace",
    sender: "attacker",
    method: "POST",
    path: "/store/items/search",
    body: { namespace_prefix: ["{owner_id}"], limit: 10 },
    expect: "refused-or-nothing",
    explanation: "{attacker} listed {owner}'s long-term memory",
  },
  {
    name: "write {owner}'s store item",
    sender: "attacker",
    method: "PUT",
    path: "/store/items",
    body: { namespace: ["{owner_id}", "lgauth-probe"], key: "secret", value: { marker: "attacker-overwrote" } },
    aftermath: "store-overwritten",
    expect: "refused",
    explanation: "{attacker} wrote into {owner}'s long-term memory",
  },
  {
    name: "create a thread owned by {owner}",
    sender: "attacker",
    method: "POST",
    path: "/threads",
    body: { metadata: { owner: "{owner_id}", lgauth_probe_spoof: "{marker}" } },
    echoes: true,
    aftermath: "thread-planted",
    expect: "any",
    expected: "owner overwritten with {attacker}'s id",
    explanation: "{attacker} planted a thread in {owner}'s list",
  },
  {
    name: "reach the data-wipe route",
    sender: "attacker",
    method: "POST",
    path: "/internal/truncate",
    body: {},
    expect: "refused",
    explanation: "any logged-in user can wipe every user's threads, runs and store",
  },
  // last: it deletes the owner's thread where it leaks
  {
    name: "delete {owner}'s thread",
    sender: "attacker",
    method: "DELETE",
    path: "/threads/{owner_thread}",
    aftermath: "thread-gone",
    expect: "refused",
    explanation: "{attacker} deleted {owner}'s conversation",
  },
];
