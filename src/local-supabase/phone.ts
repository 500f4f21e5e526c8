/**
 * GoTrue's phone number checks (internal/api/phone.go). Phone sign-in is always off here, but
 * GoTrue still validates a number on the routes that look a phone user up before answering.
 */
import { badRequest } from "./errors.js";

const E164 = /^[1-9][0-9]{1,14}$/;

/** GoTrue's validatePhone: "+" and spaces dropped, then E.164 digits, else 400 naming E.164. */
export function validatePhone(phone: string): string {
  const formatted = phone.replace(/^\+/, "").replaceAll(" ", "");
  if (!E164.test(formatted)) {
    throw badRequest("validation_failed", "Invalid phone number format (E.164 required)");
  }
  return formatted;
}
