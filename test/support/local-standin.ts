import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenLocally } from './local-server';

/** A stand-in served on 127.0.0.1 at a free port: every request goes to its `serve`. */
export abstract class LocalStandin {
  protected constructor(
    private readonly server: Server,
    /** Base URL, e.g. http://127.0.0.1:51234 */
    readonly url: string,
  ) {}

  /** Starts a server and makes the stand-in on it (`make` calls the subclass's constructor). */
  protected static async listening<T extends LocalStandin>(make: (server: Server, url: string) => T): Promise<T> {
    let standin: T | undefined;
    const { server, url } = await listenLocally((req, res) => standin?.serve(req, res));
    standin = make(server, url);
    return standin;
  }

  protected abstract serve(req: IncomingMessage, res: ServerResponse): void;

  /** Stops listening, cutting kept-alive and held connections. */
  async close(): Promise<void> {
    await closeServer(this.server);
  }
}
