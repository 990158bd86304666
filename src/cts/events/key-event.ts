import { z } from 'zod';
import type { CtsEventFilters } from '../../store/cts-events.js';

/** A field of a trace we read leniently: text or number, cut to `max`; anything else is as good as absent. */
const loose = (max: number) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v).slice(0, max))
    .optional()
    .catch(undefined);

const userSchema = z
  .union([
    z.object({
      name: loose(128),
      id: loose(128),
      domain: z
        .object({ name: loose(128) })
        .optional()
        .catch(undefined),
    }),
    // Some traces carry the user as JSON text.
    z
      .string()
      .max(4096)
      .transform((s) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          return { name: s.slice(0, 128) };
        }
      })
      .pipe(
        z.object({
          name: loose(128),
          id: loose(128),
          domain: z
            .object({ name: loose(128) })
            .optional()
            .catch(undefined),
        }),
      ),
  ])
  .optional()
  .catch(undefined);

/** The CTS trace a key event notification carries (fields per cts.md / push.md; all optional, read leniently). */
const traceSchema = z.object({
  trace_id: loose(128),
  trace_name: loose(128),
  trace_type: loose(64),
  trace_status: loose(32),
  service_type: loose(64),
  resource_type: loose(128),
  resource_name: loose(256),
  resource_id: loose(256),
  code: loose(16),
  time: loose(32),
  record_time: loose(32),
  user: userSchema,
});

/** What the channel is told about a key event. */
export interface KeyEvent {
  traceId?: string;
  traceName?: string;
  traceType?: string;
  status?: string;
  serviceType?: string;
  resourceType?: string;
  resourceName?: string;
  resourceId?: string;
  code?: string;
  /** Epoch milliseconds of the operation, when the trace says. */
  time?: number;
  /** Who did it: `name` (account `domain`), or an id. */
  user?: string;
}

/** Reads the trace in an SMN message; undefined when the message is not a JSON trace (a text template, say). */
export function parseKeyEvent(message: string): KeyEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const t = traceSchema.safeParse(json);
  if (!t.success) return undefined;
  const d = t.data;
  if (!d.trace_name && !d.service_type && !d.resource_type && !d.trace_id) return undefined;
  const at = Number(d.time ?? d.record_time);
  const who = d.user?.name ?? d.user?.id;
  return {
    traceId: d.trace_id,
    traceName: d.trace_name,
    traceType: d.trace_type,
    status: d.trace_status,
    serviceType: d.service_type,
    resourceType: d.resource_type,
    resourceName: d.resource_name,
    resourceId: d.resource_id,
    code: d.code,
    time: Number.isFinite(at) && at > 0 ? at : undefined,
    user: who && d.user?.domain?.name ? `${who} (${d.user.domain.name})` : who,
  };
}

const norm = (s: string | undefined) => (s ?? '').trim().toLowerCase();
const allows = (wanted: readonly string[], value: string | undefined) =>
  wanted.length === 0 || wanted.some((w) => norm(w) === norm(value));

/**
 * True when a channel's filters let the event through: each non-empty list must name the event's value (case does
 * not matter). An event that is not a readable trace passes only a subscription without filters.
 */
export function passesFilters(e: KeyEvent | undefined, f: CtsEventFilters): boolean {
  if (!e) return f.serviceTypes.length === 0 && f.resourceTypes.length === 0 && f.traceNames.length === 0;
  return (
    allows(f.serviceTypes, e.serviceType) &&
    allows(f.resourceTypes, e.resourceType) &&
    allows(f.traceNames, e.traceName)
  );
}

/** The resource an event is about, as the key its thread is kept under; undefined when the trace does not say. */
export function resourceKey(e: KeyEvent | undefined): string | undefined {
  const id = e?.resourceId || e?.resourceName;
  if (!e || !id) return undefined;
  return [norm(e.serviceType), norm(e.resourceType), id].join('|').slice(0, 512);
}

/** Splits a comma- or newline-separated filter list as typed into a form: trimmed, deduplicated, at most 20. */
export function filterList(text: string | undefined): string[] {
  const items = (text ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set(items)].slice(0, 20);
}
