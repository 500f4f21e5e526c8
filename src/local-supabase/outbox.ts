/**
 * The local mailbox (what Inbucket is to `supabase start`): messages the server would have
 * emailed, readable at GET /auth/v1/_dev/outbox with the service_role key (as apikey and Bearer)
 * and echoed to the server log.
 */
export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  /**
   * signup: confirm a new address; magiclink: log in (the code is for verifyOtp type "email");
   * recovery: log in to set a new password; invite: accept an invitation; email_change: confirm
   * a change (one message to each address in secure mode); reauthentication: the nonce for a
   * password change (no link).
   */
  type: "signup" | "invite" | "magiclink" | "recovery" | "email_change" | "reauthentication";
  /** The /verify link to follow (none for reauthentication). */
  link?: string;
  /** The one-time code the email would carry (for verifyOtp). */
  token: string;
  sent_at: string;
}

export class Outbox {
  private readonly messages: OutboxMessage[] = [];
  private counter = 0;

  constructor(private readonly limit = 1000) {}

  add(message: Omit<OutboxMessage, "id" | "sent_at">): OutboxMessage {
    this.counter += 1;
    const full: OutboxMessage = { id: String(this.counter), sent_at: new Date().toISOString(), ...message };
    this.messages.push(full);
    if (this.messages.length > this.limit) this.messages.shift();
    return full;
  }

  /** Newest last; optionally only those sent to `email`. */
  list(email?: string): OutboxMessage[] {
    if (!email) return [...this.messages];
    const want = email.toLowerCase();
    return this.messages.filter((m) => m.to === want);
  }
}
