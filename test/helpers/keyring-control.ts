/**
 * A private D-Bus session with gnome-keyring whose daemons a test can stop, restart and lock
 * between commands (test/helpers/keyring.ts starts one that stays up). The keyring's files stay
 * in the private HOME across restarts, so a restarted daemon (unlocked with the same throwaway
 * password) holds the same secrets. Every daemon is a child of the test, stopped by pid.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, startChild } from "./children.js";
import { dbusCall, secretServiceOwned } from "./keyring.js";

const KEYRING_PASSWORD = "lgauth-test-keyring";

export interface ControlledKeyring {
  env: NodeJS.ProcessEnv;
  /** SIGKILLs gnome-keyring-daemon (the bus stays). */
  killDaemon(): Promise<void>;
  /** SIGKILLs the D-Bus daemon too (no session bus at all). */
  killBus(): Promise<void>;
  /** Starts whatever is not running, unlocking the login keyring. */
  start(): Promise<void>;
  /** Locks the login collection through the Secret Service API. */
  lock(): void;
  stop(): Promise<void>;
}

function loginUnlocked(env: NodeJS.ProcessEnv): boolean {
  return dbusCall(
    env,
    "org.freedesktop.secrets",
    "/org/freedesktop/secrets/collection/login",
    "org.freedesktop.DBus.Properties.Get",
    "string:org.freedesktop.Secret.Collection",
    "string:Locked",
  ).includes("boolean false");
}

export async function startControlledKeyring(): Promise<ControlledKeyring> {
  const home = await mkdtemp(join(tmpdir(), "lgauth-keyctl-"));
  const runtime = join(home, "run");
  await mkdir(runtime, { mode: 0o700 });
  const socket = join(runtime, "bus");
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
  };
  delete baseEnv.DBUS_SESSION_BUS_ADDRESS;
  const env = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}` };
  let bus: Child | undefined;
  let daemon: Child | undefined;

  const startBus = async () => {
    await rm(socket, { force: true });
    // a session bus without service directories: the stock config would auto-start a fresh
    // (locked) gnome-keyring-daemon on the first request after the test killed one
    const config = join(home, "bus.conf");
    await writeFile(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${socket}</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`,
    );
    bus = startChild("dbus-daemon", [`--config-file=${config}`, "--nofork", "--nopidfile", "--print-address=1"], {
      env: baseEnv,
    });
    await bus.waitFor(/unix:path=\S+/, 10_000);
  };
  const startDaemon = async () => {
    // a killed daemon leaves its control socket behind; a new one would defer to it
    await rm(join(runtime, "keyring"), { recursive: true, force: true });
    const started = startChild("gnome-keyring-daemon", ["--foreground", "--unlock", "--components=secrets"], {
      env,
      stdin: KEYRING_PASSWORD,
    });
    daemon = started;
    const deadline = Date.now() + 15_000;
    // up once it owns the Secret Service name and, when a login keyring was saved before, has
    // loaded and unlocked it (before that, reads answer null)
    const keyringFile = join(home, "data", "keyrings", "login.keyring");
    while (!secretServiceOwned(env) || (existsSync(keyringFile) && !loginUnlocked(env))) {
      if (Date.now() > deadline) throw new Error(`gnome-keyring did not start\n${started.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const alive = (c: Child | undefined) => c !== undefined && c.proc.exitCode === null && c.proc.signalCode === null;

  const control: ControlledKeyring = {
    env,
    async killDaemon() {
      await daemon?.stop("SIGKILL");
      daemon = undefined;
    },
    async killBus() {
      await daemon?.stop("SIGKILL");
      daemon = undefined;
      await bus?.stop("SIGKILL");
      bus = undefined;
    },
    async start() {
      if (!alive(bus)) await startBus();
      if (!alive(daemon)) await startDaemon();
    },
    lock() {
      const r = spawnSync(
        "dbus-send",
        [
          "--session",
          "--print-reply",
          "--dest=org.freedesktop.secrets",
          "/org/freedesktop/secrets",
          "org.freedesktop.Secret.Service.Lock",
          "array:objpath:/org/freedesktop/secrets/collection/login",
        ],
        { env, encoding: "utf8", timeout: 5_000 },
      );
      if (r.status !== 0) throw new Error(`could not lock the keyring: ${r.stderr}`);
    },
    async stop() {
      await daemon?.stop();
      await bus?.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
  try {
    await control.start();
  } catch (err) {
    await control.stop();
    throw err;
  }
  return control;
}
