import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn, mrkdwnMessage, truncate } from './text.js';

/** One subcommand for the help list. */
export interface SubcommandHelp {
  usage: string;
  description: string;
}

/** The ephemeral help answer for `/dms` or `/cts`, optionally after an "unknown subcommand" line. */
export function buildHelpMessage(
  command: string,
  subcommands: SubcommandHelp[],
  unknown?: string,
): { text: string; blocks: KnownBlock[] } {
  const lines = subcommands.map((s) => `• \`${command} ${s.usage}\`: ${s.description}`);
  const intro =
    unknown !== undefined
      ? `I don't know \`${escapeMrkdwn(truncate(unknown.replace(/`/g, "'"), 50))}\`. Here is what \`${command}\` can do:`
      : `Here is what \`${command}\` can do:`;
  return mrkdwnMessage(`${intro}\n${lines.join('\n')}`);
}

/** The ephemeral answer (for `ack`) listing a command's subcommands. */
export function helpAnswer(
  command: string,
  subcommands: SubcommandHelp[],
  unknown?: string,
): { response_type: 'ephemeral'; text: string; blocks: KnownBlock[] } {
  return { response_type: 'ephemeral', ...buildHelpMessage(command, subcommands, unknown) };
}
