/**
 * Why a fresh local auth server's first requests were slow, and the V8 setting that fixes it.
 *
 * PGlite is Postgres compiled to one 9 MB WebAssembly module. V8 compiles each wasm function
 * with its baseline compiler (Liftoff) when it is first called. With "dynamic tiering" it then
 * recompiles every function that has run a little with its optimizing compiler (TurboFan), on
 * background threads. The default threshold is about 1.8 M bytes of executed code per function
 * (V8 11). Postgres runs a lot of code on the first statement of each kind: parse, plan,
 * executor, catalog caches. So opening a cluster, and then the first sign-up (an INSERT into
 * users, identities, sessions and refresh_tokens), each made hundreds of functions hot at once.
 *
 * Measured on the auth child (node --cpu-prof, perf and /proc/<pid>/task, 2 cores):
 *  - TurboFan wasm compilation was a third of the child's CPU;
 *  - it burned about 0.8 s of CPU on the background threads during the first sign-up and about
 *    0.2 s during the second, while the request itself needed 0.1 to 0.2 s on the main thread;
 *  - on a busy machine those threads compete with the request and with the LangGraph server for
 *    the cores, so the first sign-up took 2.4 to 5 s and later ones 0.4 s.
 *
 * A dev server runs each statement a few times, so Liftoff code is fast enough. The optimizing
 * compiler does not pay for itself there. With a budget about 1000 times the default, only code
 * that runs for a long time (a bulk import, a big sort) is still optimized. With it:
 *  - the first sign-up cost the same CPU as later ones (0.13 vs 0.1 s);
 *  - start-up cost 0.3 to 0.6 s less CPU;
 *  - 300 refresh grants in a row took the same time as before.
 *
 * The setting is process-wide and applies only to wasm modules compiled after it. PGlite
 * compiles its module when a database is opened, so openDatabase() calls this first. Other wasm
 * in the process, such as the llhttp parser in Node's fetch, merely stays on baseline code.
 */
import { setFlagsFromString } from "node:v8";

/** About 1000 times V8 11's default (1.8 M); the flag is a 32-bit int. */
export const WASM_TIERING_BUDGET = 2_000_000_000;

let applied = false;

export function deferWasmTierUp(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
}
