/**
 * Resource rules: every thread belongs to the user who created it (`metadata.owner`, stamped
 * by the server whatever the client sent), and every read, update, delete, search and run
 * creation is filtered by it. Store namespaces start with the user's id. Assistants are the
 * deployment's, so users may read and search them but not change them. Anything without a
 * rule here is refused (the server itself allows events that have no handler).
 */
import { type Auth, HTTPException, isStudioUser } from "@langchain/langgraph-sdk/auth";

type Metadata = Record<string, unknown>;
/** The user object handlers receive (the SDK does not export its BaseUser type). */
type HandlerUser = Parameters<typeof isStudioUser>[0];
type OwnerFilter = { owner: string };

function deny(message: string): HTTPException {
  return new HTTPException(403, { message });
}

/** The caller's id; refuses the Studio user and any empty identity (which would match every thread). */
export function ownerOf(user: HandlerUser): string {
  if (isStudioUser(user)) throw deny("LangGraph Studio access without a token is disabled");
  const id = typeof user.identity === "string" ? user.identity.trim() : "";
  if (id === "") throw deny("request has no user identity");
  return id;
}

function isMetadata(v: unknown): v is Metadata {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The owner rule itself: a thread is `owner`'s when its stamped metadata says so. */
export function ownsThread(metadata: unknown, owner: string): boolean {
  return isMetadata(metadata) && owner !== "" && metadata.owner === owner;
}

/** Overwrites `owner` in the metadata the server is about to persist. */
function stamp(value: { metadata?: Metadata | null }, owner: string): void {
  const metadata = isMetadata(value.metadata) ? value.metadata : {};
  metadata.owner = owner;
  value.metadata = metadata;
}

function namespaceOwned(namespace: unknown, owner: string): boolean {
  return Array.isArray(namespace) && namespace.length > 0 && namespace[0] === owner;
}

export function registerHandlers(auth: Auth): Auth {
  auth.on("threads:create", ({ value, user }): OwnerFilter => {
    const owner = ownerOf(user);
    stamp(value, owner);
    return { owner };
  });

  auth.on("threads:create_run", ({ value, user }): OwnerFilter => {
    const owner = ownerOf(user);
    const kwargs: Metadata = isMetadata(value.kwargs) ? value.kwargs : {};
    if (kwargs.webhook != null && kwargs.webhook !== "") {
      throw deny("run webhooks are disabled on this server");
    }
    stamp(value, owner);
    // `configurable.user_id` from the request body would otherwise win over the identity
    const config = isMetadata(kwargs.config) ? kwargs.config : {};
    const configurable = isMetadata(config.configurable) ? config.configurable : {};
    configurable.user_id = owner;
    config.configurable = configurable;
    kwargs.config = config;
    return { owner };
  });

  auth.on("threads:update", ({ value, user }): OwnerFilter => {
    const owner = ownerOf(user);
    // a PATCH must not hand the thread to someone else
    if (isMetadata(value.metadata) && value.action == null) value.metadata.owner = owner;
    return { owner };
  });

  auth.on(["threads:read", "threads:delete", "threads:search"], ({ user }): OwnerFilter => ({ owner: ownerOf(user) }));

  auth.on(["assistants:read", "assistants:search"], ({ user }) => {
    ownerOf(user);
    return true;
  });
  auth.on(["assistants:create", "assistants:update", "assistants:delete"], ({ user }) => {
    ownerOf(user);
    throw deny("assistants are managed by the deployment, not by users");
  });

  auth.on("store", ({ value, user }) => {
    const owner = ownerOf(user);
    if (!namespaceOwned(value.namespace, owner)) {
      throw deny("store namespace must start with your user id");
    }
    return true;
  });

  auth.on("crons", () => {
    throw deny("crons are disabled on this server");
  });

  // default deny: an event this file has no rule for is refused rather than allowed
  auth.on("*", ({ event }) => {
    throw deny(`no rule allows ${String(event).slice(0, 40)}`);
  });

  return auth;
}
