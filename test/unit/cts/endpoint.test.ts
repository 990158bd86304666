import { describe, expect, it } from 'vitest';
import { BotError } from '../../../src/core/errors.js';
import { ctsEndpointForRegion, parseCtsEndpoint, resolveCtsEndpoint } from '../../../src/cts/endpoint.js';

describe('ctsEndpointForRegion', () => {
  it.each([
    ['cn-north-4', 'https://cts.cn-north-4.myhuaweicloud.com'],
    ['cn-east-3', 'https://cts.cn-east-3.myhuaweicloud.com'],
    ['ap-southeast-1', 'https://cts.ap-southeast-1.myhuaweicloud.com'],
    ['af-south-1', 'https://cts.af-south-1.myhuaweicloud.com'],
    ['la-south-2', 'https://cts.la-south-2.myhuaweicloud.com'],
    ['tr-west-1', 'https://cts.tr-west-1.myhuaweicloud.com'],
  ])('%s -> %s', (region, endpoint) => {
    expect(ctsEndpointForRegion(region)).toBe(endpoint);
  });

  it('uses the .eu domain for eu-west-101', () => {
    expect(ctsEndpointForRegion('eu-west-101')).toBe('https://cts.eu-west-101.myhuaweicloud.eu');
  });

  it.each(['', 'cn north 4', 'CN-NORTH-4', 'cn-north', 'evil.com/x-1'])('rejects %j with a coded error', (region) => {
    expect(() => ctsEndpointForRegion(region)).toThrow(BotError);
    expect(() => ctsEndpointForRegion(region)).toThrow(/not a Huawei Cloud region id/);
  });
});

describe('parseCtsEndpoint', () => {
  it.each([
    ['cts.cn-north-4.myhuaweicloud.com', 'https://cts.cn-north-4.myhuaweicloud.com'],
    ['cts.example.com:8443', 'https://cts.example.com:8443'],
    ['https://cts.example.com/', 'https://cts.example.com'],
    ['http://127.0.0.1:45678', 'http://127.0.0.1:45678'],
    ['  http://localhost:3000  ', 'http://localhost:3000'],
    ['https://cts.example.com:443', 'https://cts.example.com'],
  ])('%j -> %s', (input, origin) => {
    expect(parseCtsEndpoint(input)).toBe(origin);
  });

  it.each([
    ['', /empty/],
    ['ftp://cts.example.com', /scheme must be http or https/],
    ['https://cts.example.com/v3', /only the scheme, host and port/],
    ['https://cts.example.com?x=1', /only the scheme, host and port/],
    ['https://user:pw@cts.example.com', /credentials/],
    ['http://[::1', /expected a host/],
  ])('rejects %j', (input, why) => {
    expect(() => parseCtsEndpoint(input)).toThrow(why);
  });
});

describe('resolveCtsEndpoint', () => {
  it('prefers the override and falls back to the region', () => {
    expect(resolveCtsEndpoint('cn-north-4', 'http://127.0.0.1:9999')).toBe('http://127.0.0.1:9999');
    expect(resolveCtsEndpoint('cn-north-4', '  ')).toBe('https://cts.cn-north-4.myhuaweicloud.com');
    expect(resolveCtsEndpoint('eu-west-101')).toBe('https://cts.eu-west-101.myhuaweicloud.eu');
  });
});
