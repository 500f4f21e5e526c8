/**
 * The Auth the stack's LangGraph child serves when it starts before the auth server is up: the
 * same handlers and authenticator as src/server/auth.ts, the authenticator built from the
 * environment once it arrives (env-gate.ts) instead of when this module is imported. So the
 * LangGraph server loads, registers and listens while the auth server boots; a request before
 * then (none is expected: the stack is not ready yet) waits for it. Misconfiguration still
 * stops the child before it reports ready.
 */
import { Auth } from "@langchain/langgraph-sdk/auth";
import { createAuthenticator } from "../server/authenticate.js";
import { registerHandlers } from "../server/handlers.js";
import { loadAuthSettings } from "../server/settings.js";
import { checkWhenEnvironmentArrives, environmentReady } from "./env-gate.js";

const authenticator = environmentReady.then(() => createAuthenticator(loadAuthSettings(process.env)));
checkWhenEnvironmentArrives(authenticator);

export const auth: Auth = registerHandlers(new Auth().authenticate(async (request) => (await authenticator)(request)));
export default auth;
