/**
 * A local OpenID Connect provider for offline development: `lgauth login --provider local`
 * works with no internet. Listening happens first (so the issuer URL is known at once); the
 * provider itself (oidc-provider, slow to import) is built afterwards and requests that arrive
 * meanwhile wait for it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AccountInput } from "./accounts.js";
import type { ClientInput, RequestHandler } from "./provider.js";

export { DEMO_OIDC_EMAIL, DEMO_OIDC_PASSWORD } from "./demo.js";
export type { AccountInput, ClientInput };

export interface LocalOidcProviderOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Accounts besides the built-in demo account (DEMO_OIDC_EMAIL / DEMO_OIDC_PASSWORD). */
  accounts?: AccountInput[];
  clients: ClientInput[];
  /** Where the provider's own failures are reported; default nowhere. */
  log?: (line: string) => void;
}

export interface LocalOidcProvider {
  /** e.g. http://127.0.0.1:43123 (discovery at issuer + "/.well-known/openid-configuration"). */
  issuer: string;
  stop(): Promise<void>;
}

/** A listening provider whose clients are given later (when they are known). */
export interface PendingLocalOidcProvider extends LocalOidcProvider {
  start(opts: Pick<LocalOidcProviderOptions, "clients" | "accounts" | "log">): Promise<void>;
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function unavailable(res: ServerResponse, message: string): void {
  res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(`${message}\n`);
}

export async function listenLocalOidcProvider(
  opts: Pick<LocalOidcProviderOptions, "port" | "host"> = {},
): Promise<PendingLocalOidcProvider> {
  const host = opts.host ?? "127.0.0.1";
  let handler: Promise<RequestHandler> | undefined;
  let waiting: ((h: Promise<RequestHandler>) => void) | undefined;
  const ready = new Promise<RequestHandler>((resolve, reject) => {
    waiting = (h) => h.then(resolve, reject);
  });
  ready.catch(() => undefined);

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req: IncomingMessage, res) => {
    ready.then(
      (h) => h(req, res),
      () => unavailable(res, "The local OpenID provider failed to start; see the server log."),
    );
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${formatHost(host)}:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    issuer,
    start(startOpts) {
      if (!handler) {
        handler = import("./provider.js").then((m) => m.buildProvider(issuer, startOpts));
        waiting?.(handler);
      }
      return handler.then(() => undefined);
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      return stopping;
    },
  };
}

export async function startLocalOidcProvider(opts: LocalOidcProviderOptions): Promise<LocalOidcProvider> {
  const pending = await listenLocalOidcProvider(opts);
  try {
    await pending.start(opts);
  } catch (err) {
    await pending.stop();
    throw err;
  }
  return { issuer: pending.issuer, stop: () => pending.stop() };
}
