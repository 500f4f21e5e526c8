/**
 * TEST FIXTURE, deliberately broken: authenticates users like the tutorial but has no owner
 * handler, so every user sees every thread. `lgauth demo` must report LEAK rows and exit 5.
 */
import { Auth } from "@langchain/langgraph-sdk/auth";
import { stockAuthenticate } from "./server-stock-auth.js";

export const auth = new Auth().authenticate(stockAuthenticate);
export default auth;
