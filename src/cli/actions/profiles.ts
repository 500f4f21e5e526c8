import type { Action } from "../command-kit.js";
import { formatTable, printJson, printLine } from "../output.js";
import { loadConfig } from "../../session/config.js";
import { resolveSettings } from "../../session/settings.js";

export const listProfiles: Action = async (ctx) => {
  const config = await loadConfig();
  const names = Object.keys(config.profiles).sort();
  const rows = names.map((name) => {
    const p = config.profiles[name] ?? {};
    const s = resolveSettings({}, {}, config, name);
    return {
      name,
      active: name === ctx.profile,
      email: p.email ?? null,
      user_id: p.userId ?? null,
      supabase_url: s.supabaseUrl,
      langgraph_url: s.langgraphUrl,
      credential_store: p.credentialStore ?? null,
    };
  });
  if (ctx.json) {
    printJson({ profiles: rows });
    return 0;
  }
  if (rows.length === 0) {
    printLine("no profiles yet (run `lgauth login` to create one)");
    return 0;
  }
  printLine(
    formatTable(
      ["", "profile", "email", "supabase", "langgraph"],
      rows.map((r) => [r.active ? "*" : "", r.name, r.email ?? "(not logged in)", r.supabase_url, r.langgraph_url]),
      ctx.color,
    ),
  );
  return 0;
};
