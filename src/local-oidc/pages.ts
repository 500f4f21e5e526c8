/**
 * The local provider's pages: plain, accessible HTML (labelled inputs, real buttons, no
 * script), with a strict Content-Security-Policy. Every value is HTML-escaped.
 */
import type { ServerResponse } from "node:http";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin-top:1rem;font-weight:600}input{width:100%;padding:.5rem;margin-top:.25rem;box-sizing:border-box}
button{margin-top:1.25rem;margin-right:.5rem;padding:.5rem 1.25rem}.error{color:#a00}.note{color:#555;font-size:.9rem}`;

function page(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
<p class="note">lgauth local OpenID provider: for development only.</p></main></body></html>
`;
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
  });
  res.end(html);
}

export function loginPage(
  res: ServerResponse,
  opts: { action: string; client: string; email?: string; error?: string; hint?: string },
): void {
  const error = opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : "";
  const hint = opts.hint ? `<p class="note">${escapeHtml(opts.hint)}</p>` : "";
  page(
    res,
    opts.error ? 401 : 200,
    "Sign in",
    `<p>to continue to <strong>${escapeHtml(opts.client)}</strong></p>${error}
<form method="post" action="${escapeHtml(opts.action)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(opts.email ?? "")}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>${hint}`,
  );
}

export function consentPage(
  res: ServerResponse,
  opts: { action: string; client: string; email: string; scopes: string[] },
): void {
  const items = opts.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("");
  page(
    res,
    200,
    "Allow access?",
    `<p><strong>${escapeHtml(opts.client)}</strong> asks to sign you in as <strong>${escapeHtml(opts.email)}</strong> and to read:</p>
<ul>${items}</ul>
<form method="post" action="${escapeHtml(opts.action)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(res: ServerResponse, status: number, message: string): void {
  page(res, status, "Sign-in error", `<p class="error" role="alert">${escapeHtml(message)}</p>`);
}
