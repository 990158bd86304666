import { BotError } from '../core/errors.js';

// Regions whose CTS endpoint is not under myhuaweicloud.com (from the official SDKs' region tables).
const ENDPOINT_EXCEPTIONS: Readonly<Record<string, string>> = {
  'eu-west-101': 'https://cts.eu-west-101.myhuaweicloud.eu',
};

const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/** The CTS endpoint (origin, no trailing slash) of a Huawei Cloud region, e.g. `https://cts.cn-north-4.myhuaweicloud.com`. */
export function ctsEndpointForRegion(region: string): string {
  const id = region.trim();
  if (!REGION_PATTERN.test(id)) {
    throw new BotError(
      'config_invalid',
      `"${region}" is not a Huawei Cloud region id; expected something like cn-north-4 or ap-southeast-1.`,
    );
  }
  return ENDPOINT_EXCEPTIONS[id] ?? `https://cts.${id}.myhuaweicloud.com`;
}

/**
 * Parses a `CTS_ENDPOINT` override: a host (`cts.example.com`), host:port, or an http(s) URL
 * (`http://127.0.0.1:8080`). Returns the origin, no trailing slash. Bare hosts get `https://`.
 */
export function parseCtsEndpoint(value: string): string {
  const text = value.trim();
  const fail = (why: string): never => {
    throw new BotError('config_invalid', `CTS_ENDPOINT "${value}" is not usable: ${why}`);
  };
  if (text === '') fail('it is empty');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail('expected a host, host:port or http(s) URL such as https://cts.cn-north-4.myhuaweicloud.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail(`the scheme must be http or https, not ${url.protocol}`);
  if (url.hostname === '') fail('it has no host');
  if (url.username || url.password) fail('it must not contain credentials');
  if (url.pathname !== '/' || url.search || url.hash) {
    fail('give only the scheme, host and port; CTS paths (/v3/...) are added by the client');
  }
  return url.origin;
}

/** The endpoint to use: the override when set (see `parseCtsEndpoint`), else the region's default. */
export function resolveCtsEndpoint(region: string, override?: string): string {
  return override !== undefined && override.trim() !== '' ? parseCtsEndpoint(override) : ctsEndpointForRegion(region);
}
