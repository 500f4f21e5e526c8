import type { Action } from "../command-kit.js";
import { openLangGraph } from "../langgraph-session.js";
import { formatTable } from "../output.js";

export const list: Action = async (ctx) => {
  const { client } = await openLangGraph(ctx);
  const assistants = await client.assistants.search({ limit: 100 });
  const rows = assistants.map((a) => ({
    assistant_id: a.assistant_id,
    graph_id: a.graph_id,
    name: a.name,
    updated_at: a.updated_at,
  }));
  if (ctx.json) ctx.io.printJson({ assistants: rows });
  else
    ctx.io.print(
      formatTable(
        ["id", "graph", "name"],
        rows.map((r) => [r.assistant_id, r.graph_id, r.name]),
        ctx.color,
      ),
    );
  return 0;
};
