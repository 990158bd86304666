import { X509Certificate } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { withDeadline } from '../../core/deadline.js';

/** A GET of a URL already checked to be on an SMN host: the status and the body (at most `maxBytes`). */
export type SmnFetch = (url: URL, opts: { signal: AbortSignal; maxBytes: number }) => Promise<SmnFetchAnswer>;
export interface SmnFetchAnswer {
  status: number;
  body: string;
}

/** Raised when a certificate cannot be had now (timeout, HTTP error, not a certificate): SMN may retry later. */
export class CertificateUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`signing certificate unavailable: ${reason}`);
    this.name = 'CertificateUnavailable';
  }
}

/**
 * The production GET: HTTPS only (the URL was checked; checked again here), no redirects followed (a redirect could
 * lead off the SMN host), the body cut off at `maxBytes`.
 */
export const httpsSmnFetch: SmnFetch = async (url, { signal, maxBytes }) => {
  if (url.protocol !== 'https:') throw new Error('SMN URLs are fetched over HTTPS only');
  const res = await fetch(url, { signal, redirect: 'error', headers: { accept: '*/*' } });
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error('answer too large');
    }
    chunks.push(value);
  }
  return { status: res.status, body: Buffer.concat(chunks).toString('utf8') };
};

const PEM_BYTES = 16 * 1024;

/**
 * Signing certificates by URL: fetched once, kept for `ttlMs` (at most `maxEntries`, the oldest dropped first),
 * concurrent asks for one URL share one fetch, a fetch gives up after `timeoutMs`, and at most `maxFetches` run at
 * once (more is refused at once, so junk URLs cannot queue up the receiver). A failure is remembered for
 * `failureTtlMs` so a broken URL is not fetched again for every message.
 */
export class CertificateCache {
  private readonly entries = new Map<string, { cert?: X509Certificate; failure?: string; until: number }>();
  private readonly inFlight = new Map<string, Promise<X509Certificate>>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxEntries: number;
  private readonly timeoutMs: number;
  private readonly maxFetches: number;

  constructor(
    private readonly deps: {
      fetch: SmnFetch;
      clock: Clock;
      ttlMs?: number;
      failureTtlMs?: number;
      maxEntries?: number;
      timeoutMs?: number;
      maxFetches?: number;
    },
  ) {
    this.ttlMs = deps.ttlMs ?? 6 * 3_600_000;
    this.failureTtlMs = deps.failureTtlMs ?? 30_000;
    this.maxEntries = deps.maxEntries ?? 32;
    this.timeoutMs = deps.timeoutMs ?? 2_000;
    this.maxFetches = deps.maxFetches ?? 4;
  }

  /** The certificate at `url` (checked by the caller to be on an SMN host); throws CertificateUnavailable. */
  async get(url: URL): Promise<X509Certificate> {
    const key = url.href;
    const now = this.deps.clock.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) {
      if (hit.cert) return hit.cert;
      throw new CertificateUnavailable(hit.failure ?? 'failed recently');
    }
    const running = this.inFlight.get(key);
    if (running) return running;
    if (this.inFlight.size >= this.maxFetches) throw new CertificateUnavailable('too many certificate fetches at once');
    const p = this.load(url).then(
      (cert) => {
        this.remember(key, { cert, until: this.deps.clock.now() + this.ttlMs });
        return cert;
      },
      (err: unknown) => {
        const reason = err instanceof CertificateUnavailable ? err.reason : 'fetch failed';
        this.remember(key, { failure: reason, until: this.deps.clock.now() + this.failureTtlMs });
        throw new CertificateUnavailable(reason);
      },
    );
    this.inFlight.set(key, p);
    void p.finally(() => this.inFlight.delete(key)).catch(() => undefined);
    return p;
  }

  /** How many certificates (and remembered failures) are kept. */
  get size(): number {
    return this.entries.size;
  }

  private remember(key: string, entry: { cert?: X509Certificate; failure?: string; until: number }): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  private async load(url: URL): Promise<X509Certificate> {
    const abort = new AbortController();
    let answer: SmnFetchAnswer;
    try {
      // The deadline holds even for a fetch that ignores its signal.
      answer = await withDeadline(
        this.deps.fetch(url, { signal: abort.signal, maxBytes: PEM_BYTES }),
        this.timeoutMs,
        () => {
          abort.abort();
          return new CertificateUnavailable('timed out');
        },
      );
    } catch (err) {
      throw err instanceof CertificateUnavailable ? err : new CertificateUnavailable('fetch failed');
    }
    if (answer.status !== 200) throw new CertificateUnavailable(`HTTP ${answer.status}`);
    try {
      return new X509Certificate(answer.body);
    } catch {
      throw new CertificateUnavailable('not an X.509 certificate');
    }
  }
}
