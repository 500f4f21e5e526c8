/**
 * MFA on a real pseudo-terminal (script(1) gives the CLI a pty): `lgauth mfa enroll` draws a
 * QR code that decodes (read back off the terminal, with colour and without) to the factor's
 * otpauth:// URI, then asks for a code; `lgauth login` asks for the authenticator code after
 * the password and asks again after a wrong one.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { decodeQR } from "qr/decode.js";
import { type Authenticator, authenticator } from "../helpers/authenticator.js";
import { stopAllChildren } from "../helpers/children.js";
import { answer, onTerminal } from "../helpers/pty.js";
import { type AuthWorld, startAuthWorld } from "./auth-harness.js";
import { email } from "./local-supabase-kit.js";

const skip = spawnSync("sh", ["-c", "command -v script"]).status !== 0 ? "script(1) missing" : false;
const PASSWORD = "mfa on a tty 1";

/**
 * The QR code as a camera would see it: the terminal's text between the two lines around it,
 * each character cell one module wide and two tall (half blocks), in black on white. Coloured
 * cells say their colours (30/40 black, 97/107 white); plain ones are drawn in the text colour,
 * taken as light on a dark terminal.
 */
function scanTerminal(output: string): string {
  const text = output.replace(/\r/g, "");
  const block = text.slice(text.indexOf("authenticator app:\n") + 19, text.indexOf("Or enter this secret"));
  const rows: boolean[][] = []; // true = dark
  for (const line of block.split("\n")) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    // biome-ignore lint/suspicious/noControlCharactersInRegex: reading colour codes back
    const cells = [...line.matchAll(/\u001b\[(\d+);(\d+)m▀/g)];
    if (cells.length > 0) {
      for (const c of cells) {
        top.push(c[1] === "30");
        bottom.push(c[2] === "40");
      }
    } else {
      if (!/^[█▀▄ ]+$/.test(line) || !/[█▀▄]/.test(line)) continue;
      for (const ch of line) {
        top.push(ch === " " || ch === "▄");
        bottom.push(ch === " " || ch === "▀");
      }
    }
    rows.push(top, bottom);
  }
  assert.ok(rows.length > 40, `a QR code was drawn (${rows.length} rows)`);
  const scale = 4;
  const width = (rows[0]?.length ?? 0) * scale;
  const height = rows.length * scale;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = rows[Math.floor(y / scale)]?.[Math.floor(x / scale)] ? 0 : 255;
      data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return decodeQR({ width, height, data }, { format: "RGB" });
}

describe("MFA on a terminal", { skip }, () => {
  let w: AuthWorld;
  let addr: string;
  let app: Authenticator;
  before(async () => {
    w = await startAuthWorld({ keyring: false, inProcess: true });
    w.env.LGAUTH_CREDENTIAL_STORE = "file";
  });
  after(async () => {
    await stopAllChildren();
    await w?.stop();
  });

  async function signedUp(tag: string, profile: string): Promise<string> {
    const who = email(tag);
    const r = await w.run(["--profile", profile, "signup", "--email", who, "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(r.code, 0, r.stderr);
    return who;
  }

  test("enroll draws a QR code of the otpauth:// URI (colour), shows the secret, asks for a code and verifies it", async () => {
    addr = await signedUp("tty-enroll", "c");
    const e = onTerminal(w, ["--profile", "c", "mfa", "enroll", "--name", "pty phone"], { NO_COLOR: "" });
    await e.waitFor(/Code from your authenticator app/, 20_000);
    const uri = scanTerminal(e.output());
    assert.match(uri, /^otpauth:\/\/totp\/.*secret=([A-Z2-7]+)/);
    const secret = /secret=([A-Z2-7]+)/.exec(uri)?.[1] ?? "";
    assert.ok(e.output().includes(secret.replace(/(.{4})(?=.)/g, "$1 ")), "the secret is shown for typing");
    assert.ok(e.output().includes(uri), "the URI is shown too");
    app = authenticator(secret);
    e.proc.stdin?.write(`${await app.code()}\r`);
    await e.waitFor(/is verified; this session is now aal2/, 20_000);
    assert.equal((await e.exited).code, 0);
  });

  test("without colour the QR code is drawn in half blocks and still decodes", async () => {
    await signedUp("tty-plain", "p");
    const e = onTerminal(w, ["--profile", "p", "mfa", "enroll"], { NO_COLOR: "1" });
    await e.waitFor(/Code from your authenticator app/, 20_000);
    assert.ok(!e.output().includes("\u001b[30;"), "no colour codes");
    const uri = scanTerminal(e.output());
    assert.match(uri, /^otpauth:\/\/totp\//);
    const plainApp = authenticator(/secret=([A-Z2-7]+)/.exec(uri)?.[1] ?? "");
    e.proc.stdin?.write(`${await plainApp.code()}\r`);
    await e.waitFor(/is verified/, 20_000);
    assert.equal((await e.exited).code, 0);
  });

  test("login asks for the authenticator code after the password, and again after a wrong one", async () => {
    assert.ok(app, "the first test enrolled a factor");
    const l = onTerminal(w, ["--profile", "c", "login", "--email", addr]);
    await answer(l, /Password/, PASSWORD);
    await answer(l, /Code from your authenticator app \("pty phone"\)/, app.stale());
    await answer(l, /not accepted .*try again\.[\s\S]*Code from your authenticator app/, await app.code());
    await l.waitFor(/Logged in as .* with your second factor/, 20_000);
    assert.equal((await l.exited).code, 0);
    assert.ok(!l.output().includes(PASSWORD), "the password was never echoed");
  });
});
