/**
 * The LangGraph child of the stack starts its server before the auth server's URL and keys
 * exist (they arrive on stdin, see langgraph-options.ts `waitForEnv`). Modules that need them
 * wait on `environmentReady`; the entry calls `environmentArrived()` once they are in
 * process.env, which resolves after every registered check passed (or rejects with the first
 * failure, e.g. a SettingsError, so the child refuses to report ready).
 */
let arrive!: () => void;
export const environmentReady = new Promise<void>((resolve) => {
  arrive = resolve;
});

const checks: Promise<unknown>[] = [];

/** Registers work that must succeed once the environment is there before the child is ready. */
export function checkWhenEnvironmentArrives(check: Promise<unknown>): void {
  check.catch(() => {}); // reported through environmentArrived()
  checks.push(check);
}

export async function environmentArrived(): Promise<void> {
  arrive();
  await Promise.all(checks);
}
