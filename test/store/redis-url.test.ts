import { ConfigError } from '../../src/errors';
import { parseRedisUrl } from '../../src/store';
import { ioredisConfig, reconnectDelay } from '../../src/store/redis';

/** A host and port as parseRedisUrl gives them. */
const endpoint = (host: string, port: number) => ({ host, port });

describe('parseRedisUrl', () => {
  it.each([
    ['parses a plain redis:// URL with defaults', 'redis://localhost', 'localhost', 6379, false],
    ['turns rediss:// into TLS and accepts IPv6 hosts', 'rediss://[::1]:6390', '::1', 6390, true],
  ])('%s', (_title, url, host, port, tls) => {
    expect(parseRedisUrl(url)).toEqual({ mode: 'standalone', host: { host, port }, tls });
  });

  it('parses credentials, port and database, decoding percent-escapes', () => {
    expect(parseRedisUrl('redis://bot:p%40ss%3Aword@10.0.0.5:6380/2')).toEqual({
      mode: 'standalone',
      host: { host: '10.0.0.5', port: 6380 },
      tls: false,
      username: 'bot',
      password: 'p@ss:word',
      db: 2,
    });
    expect(parseRedisUrl('redis://:only-password@h:1')).toMatchObject({ password: 'only-password' });
    expect(parseRedisUrl('redis://:only-password@h:1')).not.toHaveProperty('username');
  });

  it('parses a Sentinel URL with several sentinels, master name and db', () => {
    expect(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2:26380,s3/mymaster/1')).toEqual({
      mode: 'sentinel',
      sentinels: [endpoint('s1', 26379), endpoint('s2', 26380), endpoint('s3', 26379)],
      masterName: 'mymaster',
      tls: false,
      password: 'pw',
      db: 1,
    });
    expect(parseRedisUrl('rediss+sentinel://s1/m')).toMatchObject({ mode: 'sentinel', tls: true, masterName: 'm' });
  });

  it('parses a cluster URL', () => {
    expect(parseRedisUrl('redis+cluster://n1:7000,n2:7001')).toEqual({
      mode: 'cluster',
      nodes: [endpoint('n1', 7000), endpoint('n2', 7001)],
      tls: false,
    });
  });

  it.each([
    ['http://host:6379', 'must look like'],
    ['redis://', 'must look like'],
    ['redis://h1:1,h2:2', 'redis+sentinel://'],
    ['redis://host:99999', 'port outside'],
    ['redis://host/abc', 'not a number'],
    ['redis+sentinel://s1:26379', 'master name'],
    ['redis+cluster://n1:7000/0', 'no path'],
    ['redis://host:port', 'malformed host'],
  ])('rejects %s with a ConfigError', (url, why) => {
    expect(() => parseRedisUrl(url)).toThrow(ConfigError);
    expect(() => parseRedisUrl(url)).toThrow(why);
  });

  it('never echoes the URL (it may hold a password) in its errors', () => {
    expect(() => parseRedisUrl('redis://:hunter2@h1:1,h2:2')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('ioredisConfig', () => {
  it('applies the fail-fast settings to a standalone client', () => {
    const config = ioredisConfig(parseRedisUrl('rediss://u:p@h:6380/3'));
    expect(config.kind).toBe('redis');
    expect(config.options).toMatchObject({
      host: 'h',
      port: 6380,
      db: 3,
      username: 'u',
      password: 'p',
      tls: {},
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 1000,
    });
  });

  it('builds Sentinel options', () => {
    const config = ioredisConfig(parseRedisUrl('redis+sentinel://s1:1,s2:2/master'));
    expect(config.options).toMatchObject({
      sentinels: [endpoint('s1', 1), endpoint('s2', 2)],
      name: 'master',
      enableOfflineQueue: false,
    });
  });

  it('builds Cluster options with per-node timeouts', () => {
    const config = ioredisConfig(parseRedisUrl('redis+cluster://n1:7000,n2:7001'));
    expect(config).toMatchObject({
      kind: 'cluster',
      nodes: [endpoint('n1', 7000), endpoint('n2', 7001)],
      options: { enableOfflineQueue: false, redisOptions: { commandTimeout: 1000, maxRetriesPerRequest: 1 } },
    });
  });

  it('keeps reconnecting with a capped backoff', () => {
    expect(reconnectDelay(1)).toBe(100);
    expect(reconnectDelay(3)).toBe(400);
    expect(reconnectDelay(50)).toBe(2000);
    expect(reconnectDelay(1000, 500)).toBe(500);
  });
});
