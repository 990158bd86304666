/** Generators over the well-formed samples (slack-payloads.ts): mutated bodies, wire encodings, form tricks, respelled ids. */
import fc from 'fast-check';
import { SLACK_ID_PATTERN } from '../../src/core/ids.js';
import type { Sample } from './slack-payloads.js';

/** Every path (key list) in a JSON value, the root excluded. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...prefix, i], ...pathsOf(x, [...prefix, i])]);
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).flatMap(([k, x]) => [[...prefix, k], ...pathsOf(x, [...prefix, k])]);
  return [];
}

/** A replacement value of another type (or none). */
const replacement = fc.oneof(
  fc.constant<unknown>(undefined), // removed
  fc.constant<unknown>(null),
  fc.integer({ min: -5, max: 1e9 }),
  fc.constant<unknown>(1e300),
  fc.boolean(),
  fc.constantFrom<unknown>('', 'x', '0', 'null', 'U0MALLORY', 'T2', 'A2', '__proto__', 'constructor'),
  fc.constant<unknown>([]),
  fc.constant<unknown>({}),
  fc.constant<unknown>([null]),
  fc.constant<unknown>({ id: 1, type: 2 }),
  fc.string({ maxLength: 8 }),
);

/** Applies one mutation (remove, null, retype) at `path`; returns a new value. */
export function mutate(v: unknown, path: (string | number)[], to: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (to === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = to;
  return copy;
}

/** A mutated sample: 1–3 parts removed, nulled or retyped, or the whole body replaced. */
export function mutatedSample(all: Sample[]): fc.Arbitrary<{ sample: Sample; body: unknown; what: string }> {
  const whole = fc
    .record({
      sample: fc.constantFrom(...all),
      body: fc.constantFrom<unknown>(
        null,
        0,
        1,
        'x',
        '',
        [],
        [null],
        {},
        { type: 'block_actions' },
        { type: 'view_submission' },
        { event: null },
        { command: null },
        { type: 'event_callback' },
      ),
    })
    .map(({ sample, body }) => ({ sample, body, what: `whole body ${JSON.stringify(body)}` }));
  const parts = fc.constantFrom(...all).chain((sample) => {
    const paths = pathsOf(sample.body);
    return fc.array(fc.tuple(fc.constantFrom(...paths), replacement), { minLength: 1, maxLength: 3 }).map((muts) => {
      let body: unknown = sample.body;
      const done: string[] = [];
      for (const [path, to] of muts) {
        try {
          body = mutate(body, path, to);
          done.push(`${path.join('.')}=${to === undefined ? '(removed)' : JSON.stringify(to)}`);
        } catch {
          // The path no longer exists after an earlier mutation.
        }
      }
      return { sample, body, what: done.join(', ') };
    });
  });
  return fc.oneof({ weight: 1, arbitrary: whole }, { weight: 9, arbitrary: parts });
}

/** The HTTP body and content type for a (mutated) sample, as Slack would encode it. */
export function encode(sample: Sample, body: unknown): { body: string; contentType: string } {
  if (sample.wire === 'json') return { body: JSON.stringify(body) ?? 'null', contentType: 'application/json' };
  if (sample.wire === 'payload')
    return {
      body: new URLSearchParams({ payload: JSON.stringify(body) ?? 'null' }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    };
  // A form carries strings only: retyped fields arrive as their JSON text; an object body becomes its fields.
  const fields = new URLSearchParams();
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) fields.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return { body: fields.toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** Encodes form fields in the given order, repeats and all (as a client could, and `URLSearchParams` objects cannot). */
export const formBody = (pairs: [string, string][]) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/**
 * A form-encoded sample (slash command or `payload=`) re-encoded with wire-level tricks: keys reordered, a key
 * repeated (Bolt's `node:querystring` makes it an array), `ssl_check` mixed in, the payload replaced by JSON that is
 * not an object. `refused`: whether Slack could not have sent it (then the answer must be 400); otherwise it is the
 * sample itself and must be accepted.
 */
export function formTricks(
  all: Sample[],
): fc.Arbitrary<{ sample: Sample; body: string; refused: boolean; what: string }> {
  const forms = all.filter((s) => s.wire !== 'json');
  const notAnObject = fc.oneof(
    fc.constantFrom<unknown>(null, 0, 1, -1, 1.5, true, false, '', 'x', [], [null], [1, 2], [{}], [[]]),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  );
  type Trick =
    | { kind: 'dup'; at: number; to: number; value: string | undefined }
    | { kind: 'ssl'; to: number; value: string }
    | { kind: 'payload'; value: unknown };
  const trick: fc.Arbitrary<Trick> = fc.oneof(
    fc.record({
      kind: fc.constant('dup' as const),
      at: fc.nat(),
      to: fc.nat(),
      value: fc.option(fc.constantFrom('null', '1', '', 'U0MALLORY', '{}'), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('ssl' as const), to: fc.nat(), value: fc.constantFrom('1', '1', '0', 'true', '') }),
    fc.record({ kind: fc.constant('payload' as const), value: notAnObject }),
  );
  return fc.constantFrom(...forms).chain((sample) => {
    const pairs: [string, string][] =
      sample.wire === 'payload'
        ? [['payload', JSON.stringify(sample.body)]]
        : Object.entries(sample.body).map(([k, v]) => [k, String(v)]);
    return fc
      .tuple(
        fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length }),
        fc.array(trick, { maxLength: 3 }),
      )
      .map(([order, tricks]) => {
        const out = [...order];
        const done: string[] = ['reordered'];
        let refused = false;
        for (const t of tricks) {
          if (t.kind === 'dup') {
            const [k, v] = out[t.at % out.length]!;
            out.splice(t.to % (out.length + 1), 0, [k, t.value ?? v]);
            done.push(`${k} repeated${t.value === undefined ? '' : ` as ${JSON.stringify(t.value)}`}`);
            refused = true;
          } else if (t.kind === 'ssl') {
            out.splice(t.to % (out.length + 1), 0, ['ssl_check', t.value]);
            done.push(`ssl_check=${t.value} mixed in`);
            refused = true;
          } else if (sample.wire === 'payload') {
            const i = out.findIndex(([k]) => k === 'payload');
            out[i] = ['payload', JSON.stringify(t.value)];
            done.push(`payload=${JSON.stringify(t.value)}`);
            refused = true;
          }
        }
        return { sample, body: formBody(out), refused, what: done.join(', ') };
      });
  });
}

/** Every place in a body that holds a Slack id (user, conversation, team, enterprise, app), by path. */
export function idPaths(v: unknown): (string | number)[][] {
  const patterns = Object.values(SLACK_ID_PATTERN);
  return pathsOf(v).filter((p) => {
    let node: unknown = v;
    for (const k of p) node = (node as Record<string | number, unknown>)[k];
    return typeof node === 'string' && patterns.some((re) => re.test(node as string));
  });
}

const FULL_WIDTH = (ch: string) => String.fromCodePoint(ch.codePointAt(0)! + 0xfee0);
const HOMOGLYPH: Record<string, string> = {
  A: 'А',
  B: 'В',
  C: 'С',
  E: 'Е',
  H: 'Н',
  K: 'К',
  M: 'М',
  O: 'О',
  P: 'Р',
  T: 'Т',
  X: 'Х',
  U: 'Ս',
  W: 'Ԝ',
  D: 'Ꭰ',
  G: 'Ԍ',
  S: 'Ѕ',
  L: 'Ⅼ',
  I: 'І',
};

/** Spellings of an id that people read as the same id but that are not Slack's spelling of it. */
export const respellings: Record<string, (id: string, i: number) => string> = {
  'lower case': (id) => id.toLowerCase(),
  'one letter lower case': (id, i) => {
    const letters = [...id].flatMap((c, j) => (/[A-Z]/.test(c) ? [j] : []));
    const j = letters[i % letters.length]!;
    return id.slice(0, j) + id[j]!.toLowerCase() + id.slice(j + 1);
  },
  'one character full-width': (id, i) => {
    const j = i % id.length;
    return id.slice(0, j) + FULL_WIDTH(id[j]!) + id.slice(j + 1);
  },
  'all full-width': (id) => [...id].map(FULL_WIDTH).join(''),
  homoglyph: (id, i) => {
    const js = [...id].flatMap((c, j) => (HOMOGLYPH[c] ? [j] : []));
    const j = js[i % js.length]!;
    return id.slice(0, j) + HOMOGLYPH[id[j]!]! + id.slice(j + 1);
  },
  'leading space': (id) => ` ${id}`,
  'trailing space': (id) => `${id} `,
  'trailing newline': (id) => `${id}\n`,
  'no-break space': (id) => `${id}\u00a0`,
  'zero-width space inside': (id, i) => {
    const j = 1 + (i % id.length);
    return `${id.slice(0, j)}\u200b${id.slice(j)}`;
  },
  'combining mark': (id) => `${id}\u0301`,
  'at-sign or hash': (id, i) => (i % 2 ? `@${id}` : `#${id}`),
  'Slack mention syntax': (id) => `<@${id}>`,
};

/** A sample with one Slack id (any position) respelled non-canonically. */
export function respelledId(all: Sample[]): fc.Arbitrary<{ sample: Sample; body: unknown; what: string }> {
  return fc.constantFrom(...all).chain((sample) =>
    fc
      .tuple(fc.constantFrom(...idPaths(sample.body)), fc.constantFrom(...Object.keys(respellings)), fc.nat())
      .map(([path, how, i]) => {
        let node: unknown = sample.body;
        for (const k of path) node = (node as Record<string | number, unknown>)[k];
        const to = respellings[how]!(node as string, i);
        return {
          sample,
          body: mutate(sample.body, path, to),
          what: `${path.join('.')}: ${JSON.stringify(node)} → ${JSON.stringify(to)} (${how})`,
        };
      }),
  );
}
