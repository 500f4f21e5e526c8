import { spawn } from "node:child_process";

/**
 * The platform's URL opener: $BROWSER when set (as gh and git do), else `open` on macOS,
 * `rundll32 url.dll,FileProtocolHandler` on Windows (no shell, so `&` in the URL is safe), and
 * `xdg-open` elsewhere.
 */
export function openerFor(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): [string, string[]] {
  const browser = env.BROWSER?.trim();
  if (browser) return [browser, []];
  if (platform === "darwin") return ["open", []];
  if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler"]];
  return ["xdg-open", []];
}

/**
 * Starts the opener detached and reports whether it could be started at all. It does not wait
 * for the browser: the URL is always printed too, so a missing opener only costs a copy-paste.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const [command, args] = openerFor(env);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, [...args, url], { detached: true, stdio: "ignore", env });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
