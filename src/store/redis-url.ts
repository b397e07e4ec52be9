import { ConfigError } from '../errors';

export interface RedisHost {
  host: string;
  port: number;
}

/** What a REDIS_URL says, independent of the client library. */
export type RedisTarget =
  | { mode: 'standalone'; host: RedisHost; tls: boolean; username?: string; password?: string; db?: number }
  | {
      mode: 'sentinel';
      sentinels: RedisHost[];
      masterName: string;
      tls: boolean;
      username?: string;
      password?: string;
      db?: number;
    }
  | { mode: 'cluster'; nodes: RedisHost[]; tls: boolean; username?: string; password?: string };

const DEFAULT_REDIS_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;

// scheme://[userinfo@]hosts[/path][?query]; hosts may be a comma list, so WHATWG URL cannot parse it.
const URL_SHAPE = /^(rediss?)(\+sentinel|\+cluster)?:\/\/(?:([^@/]*)@)?([^/?#]+)(?:\/([^?#]*))?(?:\?[^#]*)?$/;

/**
 * Parses redis://, rediss://, redis+sentinel://h1:p,h2:p/master[/db] and
 * redis+cluster://h1:p,h2:p (each also with rediss+ for TLS). Errors never
 * echo the URL, which may carry a password.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = URL_SHAPE.exec(url.trim());
  if (!match) {
    throw invalid(
      'must look like redis://host:port/db, rediss://..., redis+sentinel://host:port,host:port/master or redis+cluster://host:port,host:port',
    );
  }
  const [, scheme, variant, userinfo, hostList, rawPath] = match;
  const tls = scheme === 'rediss';
  const credentials = parseUserinfo(userinfo);
  const path = (rawPath ?? '').split('/').filter(Boolean).map(decode);

  if (variant === '+sentinel') {
    const [masterName, db] = path;
    if (!masterName)
      throw invalid('a Sentinel URL needs the master name as its path: redis+sentinel://host:port/mymaster');
    if (path.length > 2) throw invalid('a Sentinel URL path is /master or /master/db');
    return {
      mode: 'sentinel',
      sentinels: parseHosts(hostList!, DEFAULT_SENTINEL_PORT),
      masterName,
      tls,
      ...credentials,
      ...dbField(db),
    };
  }
  if (variant === '+cluster') {
    if (path.length > 0) throw invalid('a cluster URL has no path (Redis Cluster has only database 0)');
    return { mode: 'cluster', nodes: parseHosts(hostList!, DEFAULT_REDIS_PORT), tls, ...credentials };
  }
  const hosts = parseHosts(hostList!, DEFAULT_REDIS_PORT);
  if (hosts.length !== 1) throw invalid('use redis+sentinel:// or redis+cluster:// for several hosts');
  if (path.length > 1) throw invalid('the path of a redis:// URL is the database number');
  return { mode: 'standalone', host: hosts[0]!, tls, ...credentials, ...dbField(path[0]) };
}

function parseHosts(list: string, defaultPort: number): RedisHost[] {
  return list.split(',').map((part) => {
    // [::1]:6379 or host:6379 or host
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(part.trim());
    const host = match?.[1] ?? match?.[2];
    if (!match || !host) throw invalid('has a malformed host (expected host or host:port)');
    const port = match[3] === undefined ? defaultPort : Number(match[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('has a port outside 1-65535');
    return { host, port };
  });
}

function parseUserinfo(userinfo: string | undefined): { username?: string; password?: string } {
  if (!userinfo) return {};
  const colon = userinfo.indexOf(':');
  // redis://:password@host (no user) is the classic form; redis://user:password@host is ACL auth.
  const username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? undefined : decode(userinfo.slice(colon + 1));
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function dbField(raw: string | undefined): { db?: number } {
  if (raw === undefined) return {};
  if (!/^\d+$/.test(raw)) throw invalid('has a database that is not a number');
  return { db: Number(raw) };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid('has invalid percent-encoding');
  }
}

function invalid(why: string): ConfigError {
  return new ConfigError('config_invalid', `Configuration error: REDIS_URL ${why}`);
}
