/**
 * A private D-Bus session with an unlocked gnome-keyring, so keychain tests use the real
 * Secret Service without touching the user's own keyring. Both daemons are children of the
 * test and stopped by pid.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, startChild } from "./children.js";

export interface KeyringSession {
  /** Environment for processes that should use this keyring. */
  env: NodeJS.ProcessEnv;
  home: string;
  stop(): Promise<void>;
}

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Why the keyring cannot start here, or null when it can. */
export function keyringUnavailableReason(): string | null {
  for (const cmd of ["dbus-daemon", "gnome-keyring-daemon", "dbus-send"]) {
    if (!which(cmd)) return `${cmd} is not installed (apt-get install dbus gnome-keyring)`;
  }
  return null;
}

/**
 * Whether the suite runs in CI. scripts/test.mjs takes CI out of the tests' environment (it
 * turns prompts off) and says so in LGAUTH_TEST_CI instead.
 */
export const inCI = process.env.LGAUTH_TEST_CI === "1";

/** Skip reason for keychain suites; under CI a missing keyring is a failure, not a skip. */
export function keyringSkip(): string | false {
  const reason = keyringUnavailableReason();
  if (reason && inCI) throw new Error(`CI must test the real keychain, but ${reason}`);
  return reason ?? false;
}

export async function startKeyringSession(): Promise<KeyringSession> {
  const home = await mkdtemp(join(tmpdir(), "lgauth-keyring-"));
  const runtime = join(home, "run");
  await import("node:fs/promises").then((fs) => fs.mkdir(runtime, { mode: 0o700 }));
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
  };
  delete baseEnv.DBUS_SESSION_BUS_ADDRESS;
  const socket = join(runtime, "bus");
  const bus: Child = startChild(
    "dbus-daemon",
    ["--session", "--nofork", "--nopidfile", `--address=unix:path=${socket}`, "--print-address=1"],
    { env: baseEnv },
  );
  let keyring: Child | undefined;
  try {
    await bus.waitFor(/unix:path=\S+/, 10_000);
    const env = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}` };
    // --unlock reads the login keyring password from stdin; a throwaway password creates and
    // unlocks a fresh login keyring in this private HOME.
    keyring = startChild("gnome-keyring-daemon", ["--foreground", "--unlock", "--components=secrets"], {
      env,
      stdin: "lgauth-test-keyring",
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (secretServiceOwned(env)) break;
      if (Date.now() > deadline) throw new Error(`gnome-keyring did not start\n${keyring.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = keyring;
    return {
      env,
      home,
      async stop() {
        await started.stop();
        await bus.stop();
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await keyring?.stop();
    await bus.stop();
    await rm(home, { recursive: true, force: true });
    throw err;
  }
}

/** dbus-send's printed reply to one call on the session bus ("" when it failed). */
export function dbusCall(
  env: NodeJS.ProcessEnv,
  dest: string,
  path: string,
  method: string,
  ...args: string[]
): string {
  const probe = spawnSync("dbus-send", ["--session", "--print-reply", `--dest=${dest}`, path, method, ...args], {
    env,
    encoding: "utf8",
    timeout: 5_000,
  });
  return probe.stdout ?? "";
}

/** Whether a Secret Service (gnome-keyring here) owns its name on the bus. */
export function secretServiceOwned(env: NodeJS.ProcessEnv): boolean {
  return dbusCall(
    env,
    "org.freedesktop.DBus",
    "/org/freedesktop/DBus",
    "org.freedesktop.DBus.NameHasOwner",
    "string:org.freedesktop.secrets",
  ).includes("boolean true");
}
