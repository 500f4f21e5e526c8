/** A one-line spinner on stderr, only on a terminal; silent otherwise (scripts, --json, CI). */
export interface Spinner {
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function startSpinner(text: string, enabled = process.stderr.isTTY === true): Spinner {
  if (!enabled) return { stop() {} };
  let i = 0;
  const draw = () => process.stderr.write(`\r${FRAMES[i++ % FRAMES.length]} ${text}`);
  draw();
  const timer = setInterval(draw, 80);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      process.stderr.write("\r\u001b[2K");
    },
  };
}
