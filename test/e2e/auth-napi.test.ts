/** The same auth suite with the keychain through @napi-rs/keyring (see auth-suite.ts). */
import { defineAuthSuite } from "./auth-suite.js";

defineAuthSuite("napi");
