/**
 * Finds @langchain/langgraph-api's storage persistence module (dist/storage/persist.mjs), which
 * the package does not export: by its file URL next to the exported `./server`, the same URL the
 * server's own `import "./storage/persist.mjs"` resolves to, so both get one module instance.
 * Checks that it still has the shape src/stack/snapshots.ts replaces (test/unit/snapshots.test.ts
 * pins the rest).
 */
import type { PersistModule } from "./snapshots.js";

export class PersistModuleChangedError extends Error {
  readonly code = "langgraph_storage_changed";
  constructor(detail: string) {
    super(
      `the installed @langchain/langgraph-api stores its data differently than lgauth expects (${detail}); lgauth's crash-safe LangGraph snapshots cannot be installed, so the server was not started`,
    );
    this.name = "PersistModuleChangedError";
  }
}

export function persistModuleUrl(): string {
  return new URL("./storage/persist.mjs", import.meta.resolve("@langchain/langgraph-api/server")).href;
}

export async function importPersistModule(): Promise<PersistModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(persistModuleUrl())) as Record<string, unknown>;
  } catch (err) {
    throw new PersistModuleChangedError(`dist/storage/persist.mjs: ${(err as Error).message.split("\n")[0]}`);
  }
  const cls = mod.FileSystemPersistence;
  const proto = typeof cls === "function" ? (cls.prototype as Record<string, unknown> | undefined) : undefined;
  if (!proto) throw new PersistModuleChangedError("no FileSystemPersistence class");
  for (const method of ["initialize", "persist", "schedulePersist", "flush", "with", "withGenerator"]) {
    if (typeof proto[method] !== "function") {
      throw new PersistModuleChangedError(`FileSystemPersistence has no ${method}()`);
    }
  }
  if (typeof mod.serialize !== "function" || typeof mod.deserialize !== "function") {
    throw new PersistModuleChangedError("no serialize/deserialize");
  }
  return mod as unknown as PersistModule;
}
