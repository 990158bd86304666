/** Every vector published in shared/reference/cts.md ("AK/SK signing (SDK-HMAC-SHA256)"), for the signer and the emulator's verifier. */
export interface CtsVector {
  name: string;
  method: string;
  host: string;
  /** Request target (path and query) as it goes on the wire. */
  target: string;
  body: string;
  /** Headers signed besides host and x-sdk-date, named as a client sends them. */
  headers: Record<string, string>;
  date: string;
  ak: string;
  sk: string;
  signedHeaders: string;
  canonicalHash?: string;
  signature: string;
}

export const CTS_VECTORS: readonly CtsVector[] = [
  {
    name: 'reference GET, empty body',
    method: 'GET',
    host: 'service.endpoint.myhuaweicloud.com',
    target: '/resources?size=1',
    body: '',
    headers: {},
    date: '20200608T023900Z',
    ak: 'AccessKey',
    sk: 'SecretKey',
    signedHeaders: 'host;x-sdk-date',
    signature: 'cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842',
  },
  {
    name: 'reference POST with JSON body',
    method: 'POST',
    host: 'service.endpoint.myhuaweicloud.com',
    target: '/resources?size=1',
    body: '{"name":"test","id":1}',
    headers: {},
    date: '20200608T023900Z',
    ak: 'AccessKey',
    sk: 'SecretKey',
    signedHeaders: 'host;x-sdk-date',
    signature: '436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f',
  },
  {
    name: 'Java SDK GET with two query parameters',
    method: 'GET',
    host: 'service.region.example.com',
    target: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
    body: '',
    headers: {},
    date: '20191115T033655Z',
    ak: 'AccessKey',
    sk: 'SecretKey',
    signedHeaders: 'host;x-sdk-date',
    signature: 'fd95e7da6f695cfb4cabbb9d6b0968aec155bc576b064835282473539ae9ea1d',
  },
  {
    name: 'Java SDK POST',
    method: 'POST',
    host: 'service.region.example.com',
    target: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpc/123',
    body: '{"key":"value"}',
    headers: {},
    date: '20191115T033655Z',
    ak: 'AccessKey',
    sk: 'SecretKey',
    signedHeaders: 'host;x-sdk-date',
    signature: 'b5649aa774f6cac7437631662f08815fc65c70e40e486df6db2436ce68902771',
  },
  {
    name: 'signing guide GET with Content-Type signed',
    method: 'GET',
    host: 'service.region.example.com',
    target: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
    body: '',
    headers: { 'Content-Type': 'application/json' },
    date: '20191115T033655Z',
    ak: 'QTWAOYTTINDUT2QVKYUC',
    sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
    signedHeaders: 'content-type;host;x-sdk-date',
    canonicalHash: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
    signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
  },
];
