/** Reading chat messages out of thread state, whatever shape the server stored them in. */
export interface ChatMessage {
  role: "user" | "assistant" | "system" | "tool";
  content: string;
  id?: string;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((block) =>
        typeof block === "string"
          ? block
          : typeof block === "object" && block !== null && typeof (block as { text?: unknown }).text === "string"
            ? (block as { text: string }).text
            : "",
      )
      .join("");
  }
  return "";
}

function roleOf(m: Record<string, unknown>): ChatMessage["role"] {
  const t = String(m.type ?? m.role ?? "");
  if (t === "human" || t === "user") return "user";
  if (t === "system") return "system";
  if (t === "tool") return "tool";
  return "assistant";
}

export function messagesFromValues(values: unknown): ChatMessage[] {
  if (typeof values !== "object" || values === null) return [];
  const list = (values as { messages?: unknown }).messages;
  if (!Array.isArray(list)) return [];
  return list
    .filter((m): m is Record<string, unknown> => typeof m === "object" && m !== null)
    .map((m) => {
      const msg: ChatMessage = { role: roleOf(m), content: textOf(m.content) };
      if (typeof m.id === "string") msg.id = m.id;
      return msg;
    });
}

/** The text of a streamed message chunk (`messages-tuple` mode), or "" for non-text chunks. */
export function chunkText(data: unknown): { text: string; node: string | undefined } {
  if (!Array.isArray(data) || data.length < 1) return { text: "", node: undefined };
  const [chunk, meta] = data as [unknown, unknown];
  const c = (chunk ?? {}) as { content?: unknown; type?: unknown };
  if (c.type !== undefined && c.type !== "ai" && c.type !== "AIMessageChunk") return { text: "", node: undefined };
  const node = (meta as { langgraph_node?: unknown } | undefined)?.langgraph_node;
  return { text: textOf(c.content), node: typeof node === "string" ? node : undefined };
}

/** A short title for a thread: its first user message, on one line. */
export function threadTitle(messages: ChatMessage[], width = 40): string {
  const first =
    messages
      .find((m) => m.role === "user")
      ?.content.replace(/\s+/g, " ")
      .trim() ?? "";
  if (!first) return "(empty)";
  return first.length > width ? `${first.slice(0, width - 1)}…` : first;
}
