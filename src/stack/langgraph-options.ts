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
   * Take the rest of the environment from one JSON line `{"env":{...}}` on stdin before
   * starting the server: the stack spawns this process while the auth server is still booting
   * (the API modules take most of the boot time to import) and sends the auth server's URL and
   * keys once it knows them.
   */
  waitForEnv?: boolean;
  /**
   * With waitForEnv: start the server (storage, graphs, Auth, workers, listening) before that
   * line arrives and print the ready line only after it. Only for an Auth module that does not
   * read the environment when imported (src/stack/stack-auth.ts waits for it).
   */
  startBeforeEnv?: boolean;
  /** Packages the Auth module imports, loaded in parallel with the server's modules. */
  preload?: string[];
  /** Start with empty stores, moving the snapshots aside (`lgauth dev --reset-data`). */
  resetData?: boolean;
  /** Tests only: the stock server's persistence instead of src/stack/snapshots.ts, to show what it loses. */
  stockStorage?: boolean;
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
