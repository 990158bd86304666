import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseChannelId } from '../core/ids.js';
import type { ClickOrigin } from '../tickets/actions.js';

/** Reads a click's container: a channel message, or something only the clicker sees (Home, an ephemeral list). */
export function clickOrigin(
  container: Record<string, unknown> | undefined,
  view: { type?: unknown } | undefined,
): ClickOrigin | undefined {
  if (!container) return undefined;
  if (container['type'] === 'message') {
    if (container['is_ephemeral'] === true) return { kind: 'own' };
    const channel = parseChannelId(container['channel_id']);
    const ts = container['message_ts'];
    return channel.ok && typeof ts === 'string' && /^\d{1,12}\.\d{1,8}$/.test(ts)
      ? { kind: 'message', channelId: channel.id, messageTs: ts }
      : undefined;
  }
  if (container['type'] === 'view' && view?.type === 'home') return { kind: 'own' };
  return undefined;
}

/** A compact, reversible spelling of an origin for a modal's private_metadata. */
export function encodeOrigin(o: ClickOrigin): string {
  return o.kind === 'own' ? 'own' : `m:${o.channelId}:${o.messageTs}`;
}

export function decodeOrigin(raw: string | undefined): ClickOrigin | undefined {
  if (raw === 'own') return { kind: 'own' };
  const m = /^m:([A-Z0-9]{2,31}):(\d{1,12}\.\d{1,8})$/.exec(raw ?? '');
  const channel = m ? parseChannelId(m[1]) : undefined;
  return m && channel?.ok ? { kind: 'message', channelId: channel.id, messageTs: m[2]! } : undefined;
}

/** What a sealed modal is about: its kind (callback id), the person it was opened for, and where it acts. */
export interface ModalFacts {
  /** The modal's callback id: a Reject seal does not open a Run export, a settings seal no ticket form. */
  kind: string;
  userId: string;
  /** The channel the modal acts in, tells into and audits (absent: the person's own Home / DMs). */
  channelId?: string;
  ticketId?: number;
  /** The click's origin, spelled by encodeOrigin. */
  origin?: string;
}

/**
 * Seals what a modal is about (kind, person, channel, ticket, origin) with a key derived from the bot token (present
 * in HTTP and Socket Mode alike; nothing is stored). Every modal whose private_metadata names something a forged
 * submission could change to act elsewhere carries this seal; a submission whose metadata names another kind, person,
 * channel, ticket or origin does not verify and is answered like a missing ticket / a form that lost its channel.
 */
export class ModalSeal {
  private readonly key: Buffer;

  constructor(botToken: string) {
    this.key = createHmac('sha256', botToken).update('chatops/modal-metadata/v2').digest();
  }

  /** The seal over one modal's facts (JSON-spelled, so no field can bleed into the next). */
  seal(f: ModalFacts): string {
    const facts = JSON.stringify([f.kind, f.userId, f.channelId ?? '', f.ticketId ?? 0, f.origin ?? '']);
    return createHmac('sha256', this.key).update(facts).digest('base64url').slice(0, 32);
  }

  /** Whether a submitted seal matches the facts it claims. */
  verify(f: ModalFacts, seal: string | undefined): boolean {
    if (typeof seal !== 'string') return false;
    const want = Buffer.from(this.seal(f));
    const got = Buffer.from(seal);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
