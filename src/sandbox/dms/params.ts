/** Request parameters of the DMS emulator: strict lookups by location, typed JSON fields, paging, API errors. */
import { utcFromMatch } from '../acs3.js';

/** An HTTP-level error answer (`{RequestId, Code, Message}`). */
export class HttpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A business failure (HTTP 200, `Success:false`). */
export class BusinessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** MissingParameter: a required parameter is absent or empty. */
export function missingParameter(name: string): HttpApiError {
  return new HttpApiError(
    400,
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

/** InvalidParameter: `name` is present but not valid, and why. */
export function invalidParameter(name: string, why: string): HttpApiError {
  return new HttpApiError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid: ${why}`);
}

/** Whether a JSON value is an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Formats ms since the epoch as DMS does in responses: `yyyy-MM-dd HH:mm:ss` (UTC here). */
export function formatDmsTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** Parses `yyyy-MM-dd HH:mm:ss` (UTC) to ms since the epoch, or undefined. */
export function parseDmsTime(value: string): number | undefined {
  return utcFromMatch(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value));
}

/** Parameters of one request split by location, with strict lookup helpers. */
export class Params {
  constructor(
    readonly query: Record<string, string>,
    readonly body: Record<string, string>,
  ) {}

  private source(where: 'Q' | 'B'): Record<string, string> {
    return where === 'Q' ? this.query : this.body;
  }

  /** A required parameter; missing or empty in its location → MissingParameter. */
  required(where: 'Q' | 'B', name: string): string {
    const value = this.source(where)[name];
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  /** An optional parameter; only its own location is consulted. */
  optional(where: 'Q' | 'B', name: string): string | undefined {
    return this.source(where)[name];
  }

  /** A required JSON parameter; malformed JSON → InvalidParameter. */
  requiredJson(where: 'Q' | 'B', name: string): unknown {
    return parseJson(name, this.required(where, name));
  }

  /** An optional long (digits); malformed → InvalidParameter. */
  optionalLong(where: 'Q' | 'B', name: string): number | undefined {
    const value = this.optional(where, name);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value)) throw invalidParameter(name, `expected an integer, got "${value}".`);
    return Number(value);
  }

  /** A required long (digits). */
  requiredLong(where: 'Q' | 'B', name: string): number {
    const value = this.required(where, name);
    if (!/^\d+$/.test(value)) throw invalidParameter(name, `expected an integer, got "${value}".`);
    return Number(value);
  }
}

/** Parses a JSON parameter; malformed → InvalidParameter. */
export function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidParameter(name, 'the value is not valid JSON.');
  }
}

/** Rejects keys that are a known key in the wrong case (e.g. `DbId` where `dbId` is expected). */
export function rejectWrongCaseKeys(name: string, obj: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const match = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (match !== undefined) throw invalidParameter(`${name}.${key}`, `unknown key; did you mean "${match}"?`);
  }
}

/** The JSON type of a value, as an API page's field table would name it. */
function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Long' : 'Double';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  return 'Object';
}

/** A field the page declares Long: a JSON integer only (the SDK model's number), never a numeric string. */
export function readLong(name: string, value: unknown, opts: { min?: number } = {}): number {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw invalidParameter(name, `expected a Long (a JSON number), got ${jsonTypeOf(value)} ${JSON.stringify(value)}.`);
  if (opts.min !== undefined && value < opts.min) throw invalidParameter(name, `must be at least ${opts.min}.`);
  return value;
}

/** A database id the page declares Long (CreateOrder's dbId, DbItemList[].DbId). */
export function readLongDbId(name: string, value: unknown): number {
  return readLong(name, value, { min: 1 });
}

/** A database id the page declares String (CreateDataTrackOrder's Param.DbId, e.g. `"1001"`): never a JSON number. */
export function readStringDbId(name: string, value: unknown): number {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'string')
    throw invalidParameter(name, `expected a String (e.g. "1001"), got ${jsonTypeOf(value)} ${JSON.stringify(value)}.`);
  if (!/^[1-9]\d{0,18}$/.test(value)) throw invalidParameter(name, `expected a database id, got "${value}".`);
  return Number(value);
}

/** A field the page declares Array of String. */
export function readStringArray(name: string, value: unknown): string[] {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (!Array.isArray(value)) throw invalidParameter(name, `expected an Array of String, got ${jsonTypeOf(value)}.`);
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'string') throw invalidParameter(`${name}[${i}]`, `expected a String, got ${jsonTypeOf(v)}.`);
  });
  return value as string[];
}

/** A field the page declares String (optionally non-empty, optionally absent). */
export function readString(
  name: string,
  value: unknown,
  opts: { nonEmpty?: boolean; optional?: boolean } = {},
): string | undefined {
  if (value === undefined && opts.optional) return undefined;
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'string') throw invalidParameter(name, `expected a String, got ${jsonTypeOf(value)}.`);
  if (opts.nonEmpty && value.trim() === '') throw invalidParameter(name, 'must not be empty.');
  return value;
}

/** A field the page declares Boolean: a JSON boolean only. */
export function readBoolean(name: string, value: unknown): boolean {
  if (value === undefined) throw invalidParameter(name, 'the key is required.');
  if (typeof value !== 'boolean')
    throw invalidParameter(name, `expected a Boolean, got ${jsonTypeOf(value)} ${JSON.stringify(value)}.`);
  return value;
}

/** The page PageNumber/PageSize (defaults 1 and 20, at most 100) asks for. */
export function pageOf<T>(items: readonly T[], params: Params): T[] {
  const pageNumber = params.optionalLong('Q', 'PageNumber') ?? 1;
  const pageSize = params.optionalLong('Q', 'PageSize') ?? 20;
  if (pageNumber < 1) throw invalidParameter('PageNumber', 'must be at least 1.');
  if (pageSize < 1 || pageSize > 100) throw invalidParameter('PageSize', 'must be between 1 and 100.');
  return items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
}

/** Tid is optional everywhere; when sent it must be a long. */
export function checkTid(params: Params): void {
  params.optionalLong('Q', 'Tid');
}
