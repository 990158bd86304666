/** Options and results of the fault injection bench (bench/faults.ts). */

export interface FaultRunOptions {
  /** Tickets per scenario (chaos and crash). */
  tickets: number;
  /** SIGKILLs in the crash scenario (at least this many, while work remains). */
  kills: number;
  /** Seeds every random choice (chaos rolls, latencies, kill points). */
  seed: number;
  /** Quick mode (inside `npm test`): chaos latency up to 200 ms instead of 2 s, short DMS back-off, scenarios run side by side. */
  quick?: boolean;
  /** The compiled entry point to spawn; default: build with tsconfig.build.json and use `<repo>/dist/src/main.js`. */
  mainJs?: string;
  /** The command line to print in the report. */
  command?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Which scenarios to run (default all). */
  only?: ('chaos' | 'crash' | 'lostCreate')[];
}

export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  os: string;
}

export interface ChaosResult {
  tickets: number;
  /** Submissions the modal confirmed ("is filed"). */
  filed: number;
  /** Tickets DMS holds (more than `filed` would be a duplicate create). */
  dmsOrders: number;
  /** Tickets whose thread got the final reply (EXPORT_SUCCESS) and that the store marks done. */
  finished: number;
  /** DMS order ids that never got their final reply or were not done in the store. */
  unfinished: string[];
  threadReplies: number;
  /** Thread replies beyond the first for the same (thread, status). */
  duplicateReplies: number;
  /** Root messages beyond the first for the same DMS ticket. */
  duplicateRoots: number;
  /** Submissions sent again after an inline error (e.g. the user check timed out under chaos). */
  resubmits: number;
  dmsRequests: number;
  /** Requests answered with Throttling.User (from the emulator's records). */
  throttled: number;
  /** Requests answered with a 5xx. */
  serverErrors: number;
  maxLatencyMs: number;
  slackBursts: number;
  /** chat.postMessage calls answered with HTTP 429. */
  slack429: number;
  /** Status checks that still failed after the client's retries (the watcher backs off and tries again). */
  pollsFailedAfterRetries: number;
  /** Ticket passes that failed on Slack or the store (retried by the watcher). */
  passesFailed: number;
  fileMs: number;
  totalMs: number;
  completed: boolean;
}

export interface CrashKill {
  kill: number;
  /** What triggered it: `reply` (Slack just accepted a thread reply), `final` (… the final one), `root`, `create` (CreateOrder reached DMS), `poll`, `time`; `…-fallback` when the event did not come in time. */
  trigger: string;
  /** ms since the scenario started. */
  atMs: number;
  uptimeMs: number;
  /** Replies this process had posted that were posted again after the restart. */
  duplicateReplies: number;
  /**
   * Thread replies of this process that Slack took after the kill: sent before the process died, read by Slack after
   * (other checks run concurrently). Their answers never reached the bot, so each may be posted once more.
   */
  repliesInFlight: number;
  /** Tickets with more than one repeated reply from this crash (should be 0). */
  ticketsWithSeveralDuplicates: number;
  duplicateRoots: number;
  /** Download-link DMs this process had sent that were sent again after the restart. */
  duplicateLinkDms: number;
  /** Submissions this process had acknowledged ("Creating ticket…") without a final answer. */
  submissionsCut: number;
  /** DMS tickets created by a CreateOrder this process sent that nobody follows. */
  ordersOrphaned: number;
  /** For a `reply`/`final` crash point: the reply Slack had just accepted, and whether the restarted app posted it again. */
  lastReply?: { status: string; postedAgain: boolean; thread: string[] };
}

export interface CrashResult {
  tickets: number;
  kills: number;
  restarts: number;
  /** Tickets in the bot's store. */
  ticketsFiled: number;
  dmsOrders: number;
  /** DMS tickets with no ticket in the store (filed in DMS, never followed) — must be 0. */
  lost: number;
  lostOrders: { orderId: number; request: number; createdByProcess: number; killedWhileCreating: boolean }[];
  /** Tickets in the store that never reached their final reply — must be 0. */
  unfinished: number;
  /** Submissions the modal confirmed. */
  confirmed: number;
  /** Submissions told "not filed". */
  toldNotFiled: number;
  /** Submissions in flight at a kill: the person saw "Creating ticket…" (or the modal just closed) and no answer. */
  unanswered: number;
  /** … of which the ticket was filed and is followed (its root message is in the channel). */
  unansweredButFollowed: number;
  /** … of which nothing reached DMS (never filed; the person can simply file again). */
  unansweredNeverFiled: number;
  /** … of which DMS has the ticket but the bot does not follow it (counted in `lost` too). */
  unansweredOrphaned: number;
  /** Resubmissions of the same view answered with an empty ack (the killed process had claimed it). */
  emptyAcks: number;
  /** POSTs that failed because the app was down or died (retried on the next process, as Slack's client does). */
  failedPosts: number;
  duplicateCreates: number;
  threadReplies: number;
  duplicateReplies: number;
  /** Duplicate replies that no crash explains (posted twice by a process that was not killed) — must be 0. */
  unexplainedDuplicates: number;
  maxDuplicatesPerCrash: number;
  duplicateRoots: number;
  /** Download-link DMs sent more than once for the same ticket. */
  duplicateLinkDms: number;
  perKill: CrashKill[];
  /** Exit code of the last process on SIGTERM (0 expected). */
  finalExitCode: number | null;
  totalMs: number;
  completed: boolean;
}

export interface LostCreateCase {
  name: string;
  createOrderCalls: number;
  dropped: boolean;
  dmsOrders: number;
  listOrdersCalls: number;
  /** ListOrders searched for the marker the create put in the comment. */
  searchedMarker: boolean;
  /** The bot's ticket follows the order DMS created. */
  followed: boolean;
  /** The followed ticket reached its final reply (variant "found"). */
  finalReply: boolean;
  /** What the modal said at the end (first section). */
  modalText: string;
  /** The requester was told (modal update, and for failures an ephemeral/DM) what happened and what to look for. */
  requesterTold: boolean;
  /** The message's headline says "was not filed" although DMS did create the ticket. */
  saysNotFiled?: boolean;
}

export interface LostCreateResult {
  found: LostCreateCase;
  notFound: LostCreateCase;
}

export interface FaultResults {
  date: string;
  machine: MachineInfo;
  command: string;
  options: { tickets: number; kills: number; seed: number; quick: boolean };
  chaos?: ChaosResult;
  crash?: CrashResult;
  lostCreate?: LostCreateResult;
  /** Broken invariants, in words (empty when all held). */
  problems: string[];
  ok: boolean;
  totalMs: number;
}
