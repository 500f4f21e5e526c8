/**
 * `lgauth dev mail [--email E] [--json]`: the mail the local stack would have sent (sign-up
 * confirmations, magic links and codes, email changes), newest first. The outbox answers only to
 * the service_role key (GET /auth/v1/_dev/outbox, as `apikey` and bearer); that key is read from
 * the running stack's state file (0600 in the 0700 data directory), never from argv or env.
 */
import { request } from "node:http";
import type { OutboxMessage } from "../../local-supabase/outbox.js";
import { LocalStackDownError } from "../../session/session.js";
import { lockHolder, readStackState } from "../../stack/index.js";
import type { Action } from "../command-kit.js";
import { CliError } from "../errors.js";
import { formatTable } from "../output.js";
import { dataDirOf, runningElsewhere } from "./dev-service.js";

export interface DevMailOptions {
  dataDir?: string;
  email?: string;
  limit?: string;
}

function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 5_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
    req.end();
  });
}

function isMessage(m: unknown): m is OutboxMessage {
  const o = m as Record<string, unknown>;
  return typeof o === "object" && o !== null && typeof o.to === "string" && typeof o.sent_at === "string";
}

export const devMail: Action<[], DevMailOptions> = async (ctx, _args, opts) => {
  const dataDir = dataDirOf(opts, ctx.env);
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  const holder = await lockHolder(dataDir);
  const state = holder ? readStackState(dataDir) : undefined;
  if (!holder || !state || state.pid !== holder.pid) {
    const elsewhere = await runningElsewhere(ctx, opts, dataDir, "mail");
    if (elsewhere) throw new CliError(`the local stack in ${dataDir} is not running`, { hint: elsewhere });
    throw new LocalStackDownError(dataDir);
  }
  const url = new URL(`${state.supabaseUrl}/auth/v1/_dev/outbox`);
  if (opts.email) url.searchParams.set("email", opts.email.trim().toLowerCase());
  let answer: { status: number; body: unknown };
  try {
    answer = await getJson(url.href, {
      apikey: state.serviceRoleKey,
      authorization: `Bearer ${state.serviceRoleKey}`,
    });
  } catch (err) {
    throw new CliError(
      `cannot reach the local Supabase Auth server at ${state.supabaseUrl} (${(err as Error).message})`,
    );
  }
  const list = (answer.body as { messages?: unknown } | undefined)?.messages;
  if (answer.status !== 200 || !Array.isArray(list)) {
    throw new CliError(`the local Supabase Auth server refused to show its outbox (HTTP ${answer.status})`);
  }
  const messages = list.filter(isMessage).reverse(); // newest first
  const shown = messages.slice(0, limit);
  if (ctx.json) {
    ctx.io.printJson({ messages: shown, total: messages.length });
    return 0;
  }
  if (messages.length === 0) {
    ctx.io.print(
      opts.email
        ? `no mail to ${opts.email} (the local stack keeps mail here instead of sending it)`
        : "no mail yet (the local stack keeps mail here instead of sending it)",
    );
    return 0;
  }
  ctx.io.print(
    formatTable(
      ["sent", "to", "subject", "code"],
      shown.map((m) => [m.sent_at.replace("T", " ").slice(0, 19), m.to, m.subject, m.token]),
    ),
  );
  ctx.io.print();
  // the links of the newest five (a reauthentication nonce has none: its code is in the table)
  for (const m of shown.filter((m) => m.link).slice(0, 5)) ctx.io.print(`${m.to} (${m.subject}): ${m.link}`);
  if (messages.length > shown.length)
    ctx.io.print(`showing ${shown.length} of ${messages.length} (--limit N for more)`);
  return 0;
};
