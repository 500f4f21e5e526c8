/** The auth commands end to end with the keychain through keytar (see auth-suite.ts). */
import { defineAuthSuite } from "./auth-suite.js";

defineAuthSuite("keytar");
