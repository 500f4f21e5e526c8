/** The options the stack passes to langgraph-entry.ts, as one JSON argument. */
export interface LangGraphEntryOptions {
  port: number;
  host: string;
  /** Working directory of the server: its `.langgraph_api/` storage lives here. */
  cwd: string;
  nWorkers: number;
  graphs: Record<string, string>;
  auth?: { path: string; disable_studio_auth: boolean };
  /**
   * Wait for one JSON line `{"env":{...}}` on stdin before starting the server: the stack
   * spawns this process while the auth server is still booting (the API modules take most of
   * the boot time to import) and sends the auth server's URL and keys once it knows them.
   */
  waitForEnv?: boolean;
  /**
   * Packages the Auth module imports, loaded with the server's modules: the Auth module itself
   * reads its settings from the environment when imported, so it is imported only once the
   * environment is there, and then should find its dependencies loaded.
   */
  preload?: string[];
}

export function parseEntryOptions(text: string): LangGraphEntryOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error("langgraph-entry: expected one JSON argument with the server options");
  }
  const o = raw as Partial<LangGraphEntryOptions>;
  if (
    typeof o !== "object" ||
    o === null ||
    typeof o.port !== "number" ||
    typeof o.host !== "string" ||
    typeof o.cwd !== "string" ||
    typeof o.nWorkers !== "number" ||
    typeof o.graphs !== "object" ||
    o.graphs === null
  ) {
    throw new Error("langgraph-entry: options need port, host, cwd, nWorkers and graphs");
  }
  return o as LangGraphEntryOptions;
}
