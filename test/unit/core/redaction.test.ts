import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redactLine, redactPaths } from '../../../src/core/logger.js';
import { boltLogger, scrubTokens } from '../../../src/slack/bolt-logger.js';

/** A logger writing into an array of parsed JSON lines (pino writes synchronously to a plain Writable). */
function capture(level = 'trace') {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger(level, sink);
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Reads a value at a path of keys. */
function at(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );
}

/**
 * One case per redacted path: what is logged, where the secret sits, and the secret itself (unique per case, so a
 * leak names its case).
 */
interface Case {
  path: string;
  secret: string;
  obj: Record<string, unknown>;
  at: string[];
}
const cases: Case[] = [];
function add(path: string, keys: string[], secret: string): void {
  const obj: Record<string, unknown> = {};
  let o = obj;
  keys.slice(0, -1).forEach((k) => {
    o[k] = { keep: `visible-${k}` };
    o = o[k] as Record<string, unknown>;
  });
  o[keys.at(-1)!] = secret;
  cases.push({ path, secret, obj, at: keys });
}

add('token', ['token'], 'xoxb-111-222-TOPLEVELTOKEN');
add('botToken', ['botToken'], 'xoxb-333-444-BOTTOKEN');
add('appToken', ['appToken'], 'xapp-1-A01-555-APPTOKEN');
add('signingSecret', ['signingSecret'], 'SIGNINGSECRET8f742231b10e8888');
add('accessKeyId', ['accessKeyId'], 'LTAI5tACCESSKEYID0001');
add('accessKeySecret', ['accessKeySecret'], 'ACCESSKEYSECRET-aliyun-0001');
add('securityToken', ['securityToken'], 'CAIS-STS-SECURITYTOKEN-0001');
add('ak', ['ak'], 'HWAKHUAWEIACCESSKEY01');
add('sk', ['sk'], 'hw-sk-HUAWEISECRETKEY-0001');
add('password', ['password'], 'P@ssw0rd-DBPASSWORD');
add('authorization', ['authorization'], 'Bearer xoxb-AUTHLOWER');
add('Authorization', ['Authorization'], 'Bearer xoxb-AUTHUPPER');
add('url', ['url'], 'https://x.oss-cn-hangzhou.aliyuncs.com/a.zip?Expires=1&OSSAccessKeyId=AK&Signature=TOPURL');
add('downloadUrl', ['downloadUrl'], 'https://x.oss-cn-hangzhou.aliyuncs.com/b.zip?Signature=DOWNLOADURL');
add('URL', ['URL'], 'https://x.oss-cn-hangzhou.aliyuncs.com/c.zip?Signature=UPPERURL');
add('headers.authorization', ['headers', 'authorization'], 'ACS3-HMAC-SHA256 Credential=AK,Signature=HEADERAUTHLOWER');
add('headers.Authorization', ['headers', 'Authorization'], 'SDK-HMAC-SHA256 Access=AK, Signature=HEADERAUTHUPPER');
add('headers["x-acs-security-token"]', ['headers', 'x-acs-security-token'], 'ACS-SECURITY-TOKEN-HEADER');
add('headers["X-Security-Token"]', ['headers', 'X-Security-Token'], 'HW-SECURITY-TOKEN-UPPER');
add('headers["x-security-token"]', ['headers', 'x-security-token'], 'HW-SECURITY-TOKEN-LOWER');
add('config.SLACK_BOT_TOKEN', ['config', 'SLACK_BOT_TOKEN'], 'xoxb-CONFIGBOTTOKEN');
add('config.SLACK_APP_TOKEN', ['config', 'SLACK_APP_TOKEN'], 'xapp-CONFIGAPPTOKEN');
add('config.SLACK_SIGNING_SECRET', ['config', 'SLACK_SIGNING_SECRET'], 'CONFIGSIGNINGSECRET');
add('*.token', ['slack', 'token'], 'xoxp-NESTEDUSERTOKEN');
add('*.botToken', ['options', 'botToken'], 'xoxb-NESTEDBOTTOKEN');
add('*.appToken', ['options', 'appToken'], 'xapp-NESTEDAPPTOKEN');
add('*.signingSecret', ['options', 'signingSecret'], 'NESTEDSIGNINGSECRET');
add('*.accessKeySecret', ['credentials', 'accessKeySecret'], 'NESTEDACCESSKEYSECRET');
add('*.securityToken', ['credentials', 'securityToken'], 'NESTEDSECURITYTOKEN');
add('*.sk', ['cts', 'sk'], 'NESTEDHUAWEISK');
add('*.authorization', ['request', 'authorization'], 'Bearer NESTEDAUTHLOWER');
add('*.Authorization', ['request', 'Authorization'], 'Bearer NESTEDAUTHUPPER');
add('*.downloadUrl', ['result', 'downloadUrl'], 'https://x/d.zip?Signature=NESTEDDOWNLOADURL');
add('*.url', ['link', 'url'], 'https://x/f.zip?Signature=NESTEDLOWERURL');
add('*.URL', ['DownloadURLResult', 'URL'], 'https://x/e.zip?Signature=NESTEDUPPERURL');
add('err.config', ['err', 'config'], 'ERRCONFIG-Bearer-xoxb-AXIOS');
add('err.request', ['err', 'request'], 'ERRREQUEST-ClientRequest-Authorization');

describe('log redaction', () => {
  it('has a case for every redacted path', () => {
    expect(cases.map((c) => c.path).sort()).toEqual([...redactPaths].sort());
  });

  it.each(cases)('replaces $path with [redacted]', (c) => {
    const { logger, raw, lines } = capture();
    logger.info(c.obj, 'logging %s', c.path);
    expect(raw).toHaveLength(1);
    expect(raw[0]).not.toContain(c.secret);
    expect(at(lines()[0], c.at)).toBe('[redacted]');
    // The neighbours of a secret survive: redaction is by key, not by whole object.
    if (c.at.length > 1) expect(at(lines()[0], [...c.at.slice(0, -1), 'keep'])).toBe(`visible-${c.at.at(-2)}`);
    expect(lines()[0]!['msg']).toBe(`logging ${c.path}`);
  });

  it('redacts every secret at every level, all in one object, and leaves other fields alone', () => {
    const { logger, raw } = capture();
    const all: Record<string, unknown> = { ticketId: 42 };
    for (const c of cases) mergeInto(all, c.obj);
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)
      logger[level](all, `at ${level}`);
    expect(raw).toHaveLength(6);
    for (const line of raw) {
      for (const c of cases) expect(line, c.path).not.toContain(c.secret);
      expect(line).toContain('[redacted]');
      expect(JSON.parse(line)['ticketId']).toBe(42);
    }
  });

  it('redacts child-logger bindings too', () => {
    const { logger, raw, lines } = capture();
    logger
      .child({ component: 'dms', accessKeySecret: 'CHILDSECRET', headers: { authorization: 'CHILDAUTH' } })
      .info('hello');
    expect(raw[0]).not.toContain('CHILDSECRET');
    expect(raw[0]).not.toContain('CHILDAUTH');
    expect(lines()[0]).toMatchObject({
      component: 'dms',
      accessKeySecret: '[redacted]',
      headers: { authorization: '[redacted]' },
      msg: 'hello',
    });
  });

  it('redacts the config and request an HTTP client error carries (pino err serializer)', () => {
    const { logger, raw, lines } = capture();
    const err = Object.assign(new Error('Request failed with status code 500'), {
      config: {
        headers: { Authorization: 'Bearer xoxb-ERRSERIALIZED' },
        url: 'https://slack.com/api/chat.postMessage',
      },
      request: { path: '/a.zip?Signature=ERRREQUESTPATH' },
    });
    logger.error({ err }, 'call failed');
    expect(raw[0]).not.toContain('xoxb-ERRSERIALIZED');
    expect(raw[0]).not.toContain('ERRREQUESTPATH');
    expect(lines()[0]).toMatchObject({
      err: { message: 'Request failed with status code 500', config: '[redacted]', request: '[redacted]' },
    });
  });
});

/** Deep-merges b into a (plain objects only). */
function mergeInto(a: Record<string, unknown>, b: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(b)) {
    if (v && typeof v === 'object' && a[k] && typeof a[k] === 'object')
      mergeInto(a[k] as Record<string, unknown>, v as Record<string, unknown>);
    else a[k] = v && typeof v === 'object' ? structuredClone(v) : v;
  }
}

describe('scrubTokens (free text)', () => {
  it('masks Slack bot, user and app-level tokens, keeping their kind', () => {
    const line =
      'auth with xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp, user xoxp-11-22-33-abcdef and app xapp-1-A0123456789-1234567890-deadbeef done';
    const out = scrubTokens(line);
    for (const secret of [
      'AbCdEfGhIjKlMnOp',
      '1234567890-0987654321',
      'xoxp-11-22-33-abcdef',
      'deadbeef',
      'A0123456789',
    ])
      expect(out).not.toContain(secret);
    expect(out).toBe('auth with xoxb-[redacted], user xoxp-[redacted] and app xapp-[redacted] done');
  });

  it('masks other Slack token kinds (legacy, refresh, workspace)', () => {
    expect(scrubTokens('a xoxa-2-AAA b xoxr-BBB c xoxs-CCC d xoxo-DDD')).toBe(
      'a xoxa-[redacted] b xoxr-[redacted] c xoxs-[redacted] d xoxo-[redacted]',
    );
  });

  it('replaces a pre-signed OSS download link as a whole', () => {
    const link = 'https://x.oss-cn-hangzhou.aliyuncs.com/a.zip?Expires=1&OSSAccessKeyId=AK&Signature=abc';
    const out = scrubTokens(`your export is ready: ${link} (valid 1 h)`);
    expect(out).toBe('your export is ready: [redacted-url] (valid 1 h)');
    for (const part of ['Signature=abc', 'OSSAccessKeyId=AK', 'aliyuncs.com/a.zip']) expect(out).not.toContain(part);
  });

  it('replaces signed links inside JSON and with the signature in any position or spelling', () => {
    const inJson = JSON.stringify({
      text: 'link https://x.oss-cn-hangzhou.aliyuncs.com/a.zip?Expires=1&OSSAccessKeyId=AK&Signature=abc',
    });
    expect(scrubTokens(inJson)).toBe('{"text":"link [redacted-url]"}');
    const later =
      'get https://b.s3.amazonaws.com/k.csv?response-content-type=text%2Fcsv&X-Amz-Credential=AK&X-Amz-Signature=f00d now';
    expect(scrubTokens(later)).toBe('get [redacted-url] now');
    const ossV4 = 'https://b.oss-cn-beijing.aliyuncs.com/r.zip?x-oss-signature-version=OSS4&x-oss-signature=beef';
    expect(scrubTokens(ossV4)).toBe('[redacted-url]');
    expect(scrubTokens('http://x/a?SIGNATURE=s1')).toBe('[redacted-url]');
  });

  it('leaves ordinary text and unsigned links alone', () => {
    const plain = 'ticket 123 moved to EXPORT_SUCCESS; see https://dms.aliyun.com/?orderId=123 and xoxbox-not-a-token';
    expect(scrubTokens(plain)).toBe(plain);
  });
});

describe('Bolt logger adapter', () => {
  it("drops the WebClient's debug bodies, keeping that the call happened", () => {
    const { logger, raw, lines } = capture('debug');
    const bolt = boltLogger(logger);
    bolt.debug('http request body: {"text":"secret link https://x/?Signature=s"}');
    bolt.debug('http request result: {"ok":true,"message":{"text":"download https://x/?Signature=r2"}}');
    bolt.debug('http request headers: {"Authorization":"Bearer xoxb-HEADERS"}');
    bolt.debug("apiCall('chat.postMessage') start");
    expect(lines().map((l) => l['msg'])).toEqual([
      'http request body: [omitted]',
      'http request result: [omitted]',
      'http request headers: [omitted]',
      "apiCall('chat.postMessage') start",
    ]);
    expect(lines().every((l) => l['component'] === 'bolt' && l['level'] === 20)).toBe(true);
    for (const secret of ['Signature=s', 'Signature=r2', 'xoxb-HEADERS', 'secret link'])
      expect(raw.join('\n')).not.toContain(secret);
  });

  it('scrubs tokens and signed links from every level, whatever the arguments are', () => {
    const { logger, raw, lines } = capture('debug');
    const bolt = boltLogger(logger);
    bolt.info('token', 'xoxb-INFO-123');
    bolt.warn('http request failed', { url: 'https://x/a.zip?Signature=WARNURL', token: 'xoxp-WARN-1' });
    bolt.error(new Error('invalid_auth for xapp-1-ERROR'));
    expect(lines().map((l) => [l['level'], l['msg']])).toEqual([
      [30, 'token xoxb-[redacted]'],
      [40, 'http request failed {"url":"[redacted-url]","token":"[redacted]"}'],
      [50, 'invalid_auth for xapp-[redacted]'],
    ]);
    for (const secret of ['INFO-123', 'WARNURL', 'WARN-1', '1-ERROR']) expect(raw.join('\n')).not.toContain(secret);
  });
});

describe('value redaction (property): a secret is masked by its look, under any key, at any depth', () => {
  const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
  // Each generator yields [what is logged, the part that must never show]. The secret parts carry a marker ("Q9")
  // and mixed case and digits, so a random neighbour cannot contain them by chance.
  const secrets: fc.Arbitrary<[string, string]>[] = [
    alnum(10, 30).map((s) => [`xoxb-1234-5678-Q9${s}`, `Q9${s}`]),
    alnum(10, 30).map((s) => [`xapp-1-A0B1-99-Q9${s}`, `Q9${s}`]),
    alnum(10, 30).map((s) => [`xoxp-11-22-Q9${s}`, `Q9${s}`]),
    alnum(12, 30).map((s) => [
      `https://b.oss-cn-hangzhou.aliyuncs.com/r.zip?Expires=1&OSSAccessKeyId=LTAI5t&Signature=Q9${s}`,
      `Q9${s}`,
    ]),
    alnum(12, 30).map((s) => [
      `https://b.s3.amazonaws.com/k.csv?response-content-type=text&X-Amz-Credential=Q9${s}&X-Amz-Signature=beef`,
      `Q9${s}`,
    ]),
    alnum(12, 30).map((s) => [`https%3A%2F%2Fb.obs.example%2Fk%3Fsecurity-token%3DQ9${s}`, `Q9${s}`]),
    alnum(12, 30).map((s) => [`obs://bucket/k?security-token=Q9${s}`, `Q9${s}`]),
    alnum(12, 30).map((s) => [`Authorization: Bearer Q9${s}`, `Q9${s}`]),
    alnum(12, 30).map((s) => [`ACS3-HMAC-SHA256 Credential=Q9${s},SignedHeaders=host,Signature=abc`, `Q9${s}`]),
    alnum(12, 30).map((s) => [`SDK-HMAC-SHA256 Access=Q9${s}, SignedHeaders=host, Signature=abc`, `Q9${s}`]),
    fc.stringMatching(/^[A-Za-z0-9]{16,20}$/).map((s) => [`LTAI${s}`, `LTAI${s}`]),
    fc.stringMatching(/^[A-Z]{9}[0-9]{9}$/).map((s) => [`Q9${s}`, `Q9${s}`]),
    fc.stringMatching(/^[a-z]{12}[A-Z]{12}[0-9]{12}$/).map((s) => [`Q9${s}`, `Q9${s}`]),
    alnum(12, 30).map((s) => [`password=Q9${s}`, `Q9${s}`]),
    alnum(12, 30).map((s) => [`?Signature=Q9${s}&Expires=1`, `Q9${s}`]),
  ];
  const secret = fc.oneof(...secrets);
  const key = fc.oneof(
    fc.constantFrom('msg', 'detail', 'errorMessage', 'note', 'to', 'status', 'x', 'body', 'reason'),
    fc.string({ maxLength: 8 }),
  );
  const filler = fc.string({ maxLength: 20 }).filter((s) => !/Q9/.test(s));
  // A secret inside free text, in an object of random shape.
  const logged = fc
    .tuple(secret, filler, filler)
    .map(([[value, part], a, b]) => ({ text: `${a} ${value} ${b}`, part }));
  const shaped = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small' },
      filler,
      fc.dictionary(key, tie('tree'), { maxKeys: 3 }),
      fc.array(tie('tree'), { maxLength: 3 }),
    ),
  })).tree;

  it('masks secrets in nested values, messages and child bindings', () => {
    fc.assert(
      fc.property(
        logged,
        shaped,
        key,
        fc.constantFrom('obj', 'msg', 'binding', 'err'),
        ({ text, part }, tree, k, where) => {
          const { logger, raw } = capture();
          if (where === 'obj') logger.info({ tree, nested: { [k || 'k']: [text] } }, 'event');
          else if (where === 'msg') logger.warn({ tree }, `failed: ${text}`);
          else if (where === 'binding') logger.child({ [k || 'k']: text }).info({ tree }, 'child');
          else logger.error({ err: new Error(`cloud said ${text}`) }, 'call failed');
          expect(raw).toHaveLength(1);
          expect(raw[0]).not.toContain(part);
          expect(() => JSON.parse(raw[0]!)).not.toThrow();
        },
      ),
      { seed: 42, numRuns: 400 },
    );
  });

  it('leaves lines without secrets byte for byte (the pre-check keeps the common path cheap)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('ticketId', 'status', 'ms', 'channelId'),
          fc.oneof(fc.integer(), fc.constantFrom('EXPORT_SUCCESS', 'C0EXPORTS', 'ok')),
        ),
        (obj) => {
          const line = JSON.stringify({ level: 30, ...obj, msg: 'status changed' });
          expect(redactLine(line)).toBe(line);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('value redaction (property): every shape of secret, quoted or not, wherever it is embedded', () => {
  const marked = (min: number, max: number, chars = 'A-Za-z0-9') =>
    fc.stringMatching(new RegExp(`^[${chars}]{${min},${max}}$`)).map((s) => `Q9${s}`);
  // Names from the shared list, with the prefixes and spellings people use.
  const name = fc.constantFrom(
    'password',
    'PASSWORD',
    'Password',
    'passwd',
    'pwd',
    'secret',
    'client_secret',
    'api_key',
    'apikey',
    'api-key',
    'API_KEY',
    'access_token',
    'refresh_token',
    'sig',
    'token',
    'DB_PASSWORD',
    'mysqlPwd',
    'private_key',
    'secret_key',
    'Signature',
    'x-oss-signature',
    'security-token',
  );
  const sep = fc.constantFrom('=', ': ', ':', ' = ', '=>', ' => ', '%3D', ':=');
  // [what is logged, the part that must never show]
  const shapes: fc.Arbitrary<[string, string]>[] = [
    // key=value / key: value, bare (no spaces or separators inside) or quoted with ' " ` (anything but that quote).
    fc.tuple(name, sep, marked(6, 20, 'A-Za-z0-9!#$%*()+.^_~-')).map(([n, s, v]) => [`${n}${s}${v}`, v]),
    fc
      .tuple(name, sep, fc.constantFrom("'", '"', '`'), marked(6, 20, 'A-Za-z0-9 !#$%*()+.^_~,;&|<>@-'))
      .map(([n, s, q, v]) => [`${n}${s}${q}${v}${q}`, v.trim().slice(0, 8)]),
    // JSON inside a string, also pretty-printed, and escaped JSON inside JSON inside a string.
    fc
      .tuple(name, marked(6, 20, 'A-Za-z0-9 !#$%*()+.^_~,;&|<>@-'))
      .map(([n, v]) => [JSON.stringify({ [n]: v, other: 1 }), v.slice(0, 8)]),
    fc.tuple(name, marked(6, 20)).map(([n, v]) => [JSON.stringify({ nested: { [n]: v } }, null, 2), v]),
    fc.tuple(name, marked(6, 20)).map(([n, v]) => [JSON.stringify(JSON.stringify({ [n]: v })), v]),
    // URL user info, any scheme, password with the characters people put there.
    fc
      .tuple(
        fc.constantFrom('mysql', 'postgres', 'postgresql', 'redis', 'mongodb+srv', 'amqp', 'ftp', 'https'),
        fc.constantFrom('root', 'app_user', 'u'),
        marked(6, 20, 'A-Za-z0-9!$%*+.~_-'),
        fc.constantFrom('10.0.0.5:3306/orders', 'db.internal/x?ssl=true', 'h'),
      )
      .map(([sc, u, p, rest]) => [`${sc}://${u}:${p}@${rest}`, p]),
    // Signed links: Azure SAS `sig=`, with the signature anywhere in the query.
    marked(10, 30).map((v) => [
      `https://acct.blob.core.windows.net/c/b.csv?sv=2022-11-02&se=2026-12-03&sig=${v}&sp=r`,
      v,
    ]),
    // Authorization schemes with the space encoded.
    fc
      .tuple(
        fc.constantFrom('Bearer ', 'Bearer%20', 'Bearer+', 'bearer%2520', 'Basic '),
        marked(10, 30, 'A-Za-z0-9._~+/=-'),
      )
      .map(([b, v]) => [`Authorization: ${b}${v}`, v]),
    fc.tuple(fc.constantFrom('Bearer%20', 'Bearer+'), marked(10, 30)).map(([b, v]) => [`?auth=${b}${v}`, v]),
    // JWTs.
    fc
      .tuple(marked(8, 30, 'A-Za-z0-9_-'), marked(8, 40, 'A-Za-z0-9_-'), marked(8, 40, 'A-Za-z0-9_-'))
      .map(([a, b, c]) => [`eyJ${a}.eyJ${b}.${c}`, b]),
    // PEM private key blocks, whole or cut off.
    fc
      .tuple(
        fc.constantFrom('', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ', 'DSA '),
        marked(20, 60, 'A-Za-z0-9+/'),
        fc.boolean(),
      )
      .map(([k, body, end]) => [
        `-----BEGIN ${k}PRIVATE KEY-----\n${body}\nAAAB3NzaC1yc2E=\n${end ? `-----END ${k}PRIVATE KEY-----` : ''}`,
        body,
      ]),
  ];
  const secret = fc.oneof(...shapes);
  const filler = fc.string({ maxLength: 20 }).filter((s) => !/Q9/.test(s));
  const edge = fc.constantFrom(' ', '(', '[', '{', ',', ';', '\n', '\t', '"', "'", '`', ': ', '=', '|', '<');
  const tree = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small' },
      filler,
      fc.integer(),
      fc.dictionary(fc.string({ maxLength: 8 }), tie('tree'), { maxKeys: 3 }),
    ),
  })).tree;

  it('never shows the secret, in a message, a nested value, an error or a child binding', () => {
    fc.assert(
      fc.property(
        secret,
        filler,
        filler,
        edge,
        edge,
        tree,
        fc.constantFrom('msg', 'obj', 'err', 'binding', 'key'),
        ([value, part], a, b, l, r, t, where) => {
          const text = `${a}${l}${value}${r}${b}`;
          const { logger, raw } = capture();
          if (where === 'msg') logger.info({ t }, `connect failed: ${text}`);
          else if (where === 'obj') logger.info({ t, cloud: { ErrorMessage: [text] } }, 'event');
          else if (where === 'err')
            logger.error({ err: Object.assign(new Error(text), { code: 'E1' }) }, 'call failed');
          else if (where === 'binding') logger.child({ detail: text }).warn({ t }, 'child');
          else logger.info({ [text]: 1, t }, 'odd key');
          expect(raw).toHaveLength(1);
          expect(raw[0]).not.toContain(part);
          expect(JSON.parse(raw[0]!)).toBeTruthy();
        },
      ),
      { seed: 42, numRuns: 600 },
    );
  });

  it('masks any string or number under a key that names a secret, at any depth', () => {
    fc.assert(
      fc.property(
        name,
        fc.oneof(
          marked(4, 12),
          fc.integer({ min: 100000, max: 2 ** 40 }).map((n) => n),
        ),
        tree,
        (n, v, t) => {
          const { raw, logger } = capture();
          logger.info({ t, db: { host: 'h', settings: [{ [n]: v }] } }, 'connecting');
          expect(raw[0]).not.toContain(String(v));
          expect(JSON.parse(raw[0]!)['db']['settings'][0][n]).toBe('[redacted]');
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('the red-team lines', () => {
    const { logger, raw } = capture();
    logger.error(`connect failed: password='hunter2'`);
    logger.error(`PASSWORD="hunter2"`);
    logger.error({ err: new Error('ErrorMessage: mysql://root:hunter2@10.0.0.5:3306/orders refused') }, 'DMS said');
    logger.error({ errorMessage: 'postgres://app:hunter2@db/x' }, 'x');
    logger.info({ link: 'https://a.blob.core.windows.net/c/b?sv=1&sig=hunter2' }, 'sas');
    logger.info('pwd=hunter2 passwd=hunter2 secret=hunter2 api_key=hunter2 apikey=hunter2 Bearer%20hunter2');
    logger.info('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJodW50ZXIyIn0.aHVudGVyMg');
    logger.info('key -----BEGIN PRIVATE KEY-----\nhunter2\n-----END PRIVATE KEY----- done');
    expect(raw).toHaveLength(8);
    for (const line of raw) expect(line).not.toMatch(/hunter2|aHVudGVyMg|eyJzdWIiOiJodW50ZXIyIn0/);
    expect(JSON.parse(raw[2]!)['err']['message']).toBe(
      'ErrorMessage: mysql://root:[redacted]@10.0.0.5:3306/orders refused',
    );
    expect(JSON.parse(raw[0]!)['msg']).toBe("connect failed: password='[redacted]'");
  });

  it('leaves ordinary lines byte for byte: ids, statuses, plain links, hosts, e-mail, prose', () => {
    const word = fc.constantFrom(
      'ticket',
      'status',
      'EXPORT_SUCCESS',
      'orders_prod',
      'moved',
      'to',
      'C0EXPORTS',
      'U0BOB',
      'approved',
      '42',
      'rows',
      'mysql://10.0.0.5:3306/orders',
      'https://dms.aliyun.com/?orderId=123',
      'bob@example.com',
      'db.internal:5432',
      'SELECT * FROM t WHERE id = 1',
      'a=b',
      'key: value',
      'ok',
      '订单',
      'ÄÖ',
    );
    const text = fc.array(word, { maxLength: 12 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('ticketId', 'status', 'ms', 'channelId', 'detail', 'orderId'),
          fc.oneof(fc.integer(), text),
        ),
        text,
        (obj, msg) => {
          const line = `${JSON.stringify({ level: 30, time: '2026-12-03T18:00:00.000Z', ...obj, msg })}\n`;
          expect(redactLine(line)).toBe(line);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
