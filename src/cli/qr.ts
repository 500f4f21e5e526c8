/**
 * A QR code drawn with text, for an authenticator app to scan off the terminal. The `qr` package
 * encodes; two rows of modules share a line of half blocks, so the code stays square and small
 * (about 50 columns for an otpauth:// URI). With colour, each half block gets explicit black and
 * white (readable on any terminal theme); without, light modules are drawn in the text colour
 * (qr's ascii output), which is right on the usual light-text-on-dark terminal.
 */
import { encodeQR } from "qr";

/** The quiet zone around the symbol, in modules (the standard asks for 4). */
const QUIET = 4;
const BLACK_FG = 30;
const WHITE_FG = 97;
const BLACK_BG = 40;
const WHITE_BG = 107;

export function terminalQr(text: string, color: boolean): string {
  if (!color) return encodeQR(text, "ascii", { border: QUIET });
  const dark = encodeQR(text, "raw", { border: QUIET });
  const lines: string[] = [];
  for (let y = 0; y < dark.length; y += 2) {
    const top = dark[y] ?? [];
    const bottom = dark[y + 1];
    let line = "";
    for (let x = 0; x < top.length; x++) {
      const fg = top[x] ? BLACK_FG : WHITE_FG;
      const bg = bottom?.[x] ? BLACK_BG : WHITE_BG;
      line += `\u001b[${fg};${bg}m▀`;
    }
    lines.push(`${line}\u001b[0m`);
  }
  return `${lines.join("\n")}\n`;
}
