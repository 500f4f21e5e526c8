/** Options for auth-entry.ts: port/host/dataDir as JSON argv, the HS256 secret only via env. */
export interface AuthEntryOptions {
  port: number;
  host: string;
  dataDir: string | undefined;
  jwtSecret: string | undefined;
  /** Access-token lifetime in seconds (default: the server's, 3600). */
  accessTokenTtl?: number;
  /** Run the local OpenID provider as OAuth provider "local" (default true). */
  oidc: boolean;
}

/** Env var that carries the legacy HS256 secret to the child (never argv). */
export const AUTH_ENTRY_SECRET_ENV = "LGAUTH_STACK_JWT_SECRET";

export function parseAuthEntryOptions(text: string, env: NodeJS.ProcessEnv): AuthEntryOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error("auth-entry: expected one JSON argument with the server options");
  }
  const o = raw as Record<string, unknown>;
  if (typeof o !== "object" || o === null || typeof o.port !== "number" || typeof o.host !== "string") {
    throw new Error("auth-entry: options need port and host");
  }
  return {
    port: o.port,
    host: o.host,
    dataDir: typeof o.dataDir === "string" ? o.dataDir : undefined,
    jwtSecret: env[AUTH_ENTRY_SECRET_ENV] || undefined,
    ...(typeof o.accessTokenTtl === "number" ? { accessTokenTtl: o.accessTokenTtl } : {}),
    oidc: o.oidc !== false,
  };
}
