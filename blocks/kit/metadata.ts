/** Hidden context a modal carries from the slash command to the submission. */
export interface ModalMetadata {
  /** Channel the command was typed in: where the root message goes. */
  channelId: string;
  /** Fingerprint of the input the person has already reviewed (the change modal's "what will run" step). */
  reviewed?: string;
  /** Which variant of the form the view shows (the tracker modal's type). */
  variant?: string;
  /** The seal over form kind, person and channel (src/slack/click-origin.ts ModalSeal); redraws carry it unchanged. */
  seal?: string;
  /** The ts of the message a shortcut filed this form from (in `channelId`), sealed with the rest. */
  origin?: string;
}

/** Serialises modal metadata within the 3000-char private_metadata limit. */
export function encodeMetadata(m: ModalMetadata): string {
  return JSON.stringify({
    c: m.channelId,
    ...(m.reviewed ? { r: m.reviewed } : {}),
    ...(m.variant ? { t: m.variant } : {}),
    ...(m.seal ? { s: m.seal } : {}),
    ...(m.origin ? { o: m.origin } : {}),
  });
}

/** Reads modal metadata back; undefined when it is missing or not ours. */
export function decodeMetadata(raw: string | undefined): ModalMetadata | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as { c?: unknown; r?: unknown; t?: unknown; s?: unknown; o?: unknown } | null;
    if (!v || typeof v.c !== 'string' || !/^[A-Z0-9]{2,30}$/.test(v.c)) return undefined;
    return {
      channelId: v.c,
      ...(typeof v.r === 'string' ? { reviewed: v.r.slice(0, 64) } : {}),
      ...(typeof v.t === 'string' ? { variant: v.t.slice(0, 32) } : {}),
      ...(typeof v.s === 'string' ? { seal: v.s.slice(0, 80) } : {}),
      ...(typeof v.o === 'string' && /^\d{1,12}\.\d{1,8}$/.test(v.o) ? { origin: v.o } : {}),
    };
  } catch {
    return undefined;
  }
}
