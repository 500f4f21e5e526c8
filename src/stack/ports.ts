/** Port checks done before anything starts, so a taken port is one clear error. */
import { createServer } from "node:net";

export class PortInUseError extends Error {
  readonly port: number;
  readonly service: string;
  constructor(port: number, service: string) {
    super(`port ${port} is already in use (wanted for ${service})`);
    this.name = "PortInUseError";
    this.port = port;
    this.service = service;
  }
}

function listenOnce(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** Throws PortInUseError when `port` cannot be bound on `host`. Port 0 is always free. */
export async function ensurePortFree(host: string, port: number, service: string): Promise<void> {
  if (port === 0) return;
  try {
    await listenOnce(host, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") throw new PortInUseError(port, service);
    throw err;
  }
}
