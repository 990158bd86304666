import { describe, expect, it } from 'vitest';
import {
  bucketNameProblem,
  explainCtsError,
  explainTrackerDetail,
  type FieldError,
  type TrackerFormInput,
  validateTrackerInput,
} from '../../../src/cts/tracker-form.js';

function errorsOf(input: TrackerFormInput): FieldError[] {
  const result = validateTrackerInput(input);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.body)}`);
  return result.errors;
}

function bodyOf(input: TrackerFormInput) {
  const result = validateTrackerInput(input);
  if (!result.ok) throw new Error(`expected a body, got ${JSON.stringify(result.errors)}`);
  return result.body;
}

const validData: TrackerFormInput = {
  trackerType: 'data',
  trackerName: 'orders-reads',
  dataBucketName: 'orders',
  dataEvents: ['READ'],
};

describe('validateTrackerInput: system tracker', () => {
  it('forces the name "system" and builds the full body', () => {
    expect(
      bodyOf({
        trackerType: 'system',
        trackerName: 'whatever was typed',
        bucketName: 'audit-logs',
        filePrefix: 'cts_2024.v1',
        isObsCreated: true,
        compressType: 'JSON',
        isSortByService: false,
        isLtsEnabled: true,
        isSupportValidate: true,
        encryption: true,
        kmsId: ' 13a4207c-7abe-4b68-8510-16b84c3b5504 ',
        excludeKmsCreateDatakey: true,
        isOrganizationTracker: false,
        // Data-only fields are ignored for a system tracker.
        dataBucketName: 'orders',
        dataEvents: ['READ'],
        bucketLifecycle: '30',
      }),
    ).toEqual({
      tracker_type: 'system',
      tracker_name: 'system',
      is_lts_enabled: true,
      is_support_validate: true,
      obs_info: {
        bucket_name: 'audit-logs',
        file_prefix_name: 'cts_2024.v1',
        is_obs_created: true,
        compress_type: 'json',
        is_sort_by_service: false,
      },
      is_support_trace_files_encryption: true,
      kms_id: '13a4207c-7abe-4b68-8510-16b84c3b5504',
      management_event_selector: { exclude_service: ['KMS'] },
      is_organization_tracker: false,
    });
  });

  it('sends no obs_info when no bucket is given', () => {
    expect(bodyOf({ trackerType: 'system', isLtsEnabled: true })).toEqual({
      tracker_type: 'system',
      tracker_name: 'system',
      is_lts_enabled: true,
    });
  });

  it('requires a KMS key when encryption is on', () => {
    expect(errorsOf({ trackerType: 'system', encryption: true, kmsId: '  ' })).toEqual([
      { field: 'kmsId', message: 'Choose the KMS key that encrypts trace files, or turn encryption off.' },
    ]);
    expect(bodyOf({ trackerType: 'system', encryption: false, kmsId: 'ignored' })).toEqual({
      tracker_type: 'system',
      tracker_name: 'system',
      is_support_trace_files_encryption: false,
    });
  });

  it('omits management_event_selector unless KMS createDatakey is excluded', () => {
    expect(bodyOf({ trackerType: 'system', excludeKmsCreateDatakey: false })).not.toHaveProperty(
      'management_event_selector',
    );
  });
});

describe('validateTrackerInput: data tracker', () => {
  it('builds data_bucket and bucket_lifecycle', () => {
    expect(
      bodyOf({
        ...validData,
        dataEvents: ['write', 'READ', 'READ'],
        bucketName: 'trace-archive',
        bucketLifecycle: '1095',
        // System-only fields are ignored for a data tracker.
        encryption: true,
        excludeKmsCreateDatakey: true,
        isOrganizationTracker: true,
      }),
    ).toEqual({
      tracker_type: 'data',
      tracker_name: 'orders-reads',
      obs_info: { bucket_name: 'trace-archive', bucket_lifecycle: 1095 },
      data_bucket: { data_bucket_name: 'orders', data_event: ['WRITE', 'READ'] },
    });
  });

  it.each([0, 30, 60, 90, 180, 1095, '0', ' 90 '])('accepts bucket lifecycle %j', (days) => {
    expect(
      bodyOf({ ...validData, bucketName: 'trace-archive', bucketLifecycle: days }).obs_info?.bucket_lifecycle,
    ).toBe(Number(days));
  });

  it.each([7, 365, '30 days', '-30', 'forever'])('rejects bucket lifecycle %j', (days) => {
    expect(errorsOf({ ...validData, bucketName: 'trace-archive', bucketLifecycle: days })).toEqual([
      { field: 'bucketLifecycle', message: 'Retention in the OBS bucket must be 0, 30, 60, 90, 180 or 1095 days.' },
    ]);
  });

  it.each([
    ['', 'Enter a name for the data tracker.'],
    ['   ', 'Enter a name for the data tracker.'],
    ['has space', 'Tracker name must be 1–64 characters: letters, digits, underscores and hyphens.'],
    ['x'.repeat(65), 'Tracker name must be 1–64 characters: letters, digits, underscores and hyphens.'],
    ['dots.not.allowed', 'Tracker name must be 1–64 characters: letters, digits, underscores and hyphens.'],
    ['system', '"system" is reserved for the management tracker; choose another name.'],
    ['system-trace', '"system-trace" is reserved for the management tracker; choose another name.'],
  ])('rejects tracker name %j', (trackerName, message) => {
    expect(errorsOf({ ...validData, trackerName })).toEqual([{ field: 'trackerName', message }]);
  });

  it('accepts a 64-character name of letters, digits, _ and -', () => {
    const trackerName = `A_b-9${'x'.repeat(59)}`;
    expect(bodyOf({ ...validData, trackerName }).tracker_name).toBe(trackerName);
  });

  it('requires the tracked bucket and at least one operation', () => {
    expect(errorsOf({ trackerType: 'data', trackerName: 'ok', dataEvents: [] })).toEqual([
      {
        field: 'dataBucketName',
        message: 'Enter the name of the OBS bucket whose operations this tracker should record.',
      },
      { field: 'dataEvents', message: 'Choose at least one operation to track: READ, WRITE or both.' },
    ]);
  });

  it('accepts only READ and WRITE operations', () => {
    expect(errorsOf({ ...validData, dataEvents: ['READ', 'delete', 'LIST'] })).toEqual([
      { field: 'dataEvents', message: 'Only READ and WRITE operations can be tracked, not "DELETE", "LIST".' },
    ]);
  });

  it('checks the tracked bucket name like any OBS bucket name', () => {
    expect(errorsOf({ ...validData, dataBucketName: 'Orders' })).toEqual([
      {
        field: 'dataBucketName',
        message:
          'Tracked bucket name must be 3–63 characters: lowercase letters, digits, dots and hyphens, starting with a letter or digit. It contains "O". Use lowercase letters only.',
      },
    ]);
  });
});

describe('validateTrackerInput: common checks', () => {
  it.each([undefined, '', 'audit'])('requires a tracker type (got %j)', (trackerType) => {
    expect(errorsOf({ trackerType })).toEqual([
      { field: 'trackerType', message: 'Choose a tracker type: management (system) or data.' },
    ]);
  });

  it('reports every problem at once', () => {
    const fields = errorsOf({
      trackerType: 'data',
      trackerName: 'bad name',
      bucketName: 'x',
      filePrefix: 'a/b',
      compressType: 'zip',
      dataEvents: [],
    }).map((e) => e.field);
    expect(fields).toEqual(['trackerName', 'bucketName', 'filePrefix', 'compressType', 'dataBucketName', 'dataEvents']);
  });

  it('asks for a bucket name when a new bucket is to be created, and refuses a prefix without a bucket', () => {
    expect(errorsOf({ trackerType: 'system', isObsCreated: true, filePrefix: 'cts' })).toEqual([
      { field: 'bucketName', message: 'Enter a name for the OBS bucket to create, or untick "create a new bucket".' },
      {
        field: 'filePrefix',
        message:
          'A file prefix only applies when traces are transferred to an OBS bucket: enter a bucket name, or clear the prefix.',
      },
    ]);
  });

  it('checks the file prefix: 0–64 letters, digits, dots, underscores, hyphens', () => {
    expect(bodyOf({ trackerType: 'system', bucketName: 'audit', filePrefix: '' }).obs_info).toEqual({
      bucket_name: 'audit',
    });
    expect(
      bodyOf({ trackerType: 'system', bucketName: 'audit', filePrefix: 'a'.repeat(64) }).obs_info?.file_prefix_name,
    ).toHaveLength(64);
    expect(errorsOf({ trackerType: 'system', bucketName: 'audit', filePrefix: 'a'.repeat(65) })).toEqual([
      {
        field: 'filePrefix',
        message:
          'File prefix must be at most 64 characters: letters, digits, dots, underscores and hyphens. It has 65.',
      },
    ]);
    expect(errorsOf({ trackerType: 'system', bucketName: 'audit', filePrefix: 'logs/cts here' })[0]?.message).toBe(
      'File prefix must be at most 64 characters: letters, digits, dots, underscores and hyphens. It contains "/", spaces.',
    );
  });

  it('accepts gzip or json in any case and rejects other compression', () => {
    expect(bodyOf({ trackerType: 'system', bucketName: 'audit', compressType: 'GZIP' }).obs_info?.compress_type).toBe(
      'gzip',
    );
    expect(errorsOf({ trackerType: 'system', bucketName: 'audit', compressType: 'zip' })).toEqual([
      { field: 'compressType', message: 'Compression must be gzip (compressed) or json (uncompressed).' },
    ]);
  });
});

describe('bucketNameProblem', () => {
  const rule =
    'Bucket name must be 3–63 characters: lowercase letters, digits, dots and hyphens, starting with a letter or digit.';

  it.each(['abc', 'a'.repeat(63), 'my.bucket-01', '0logs'])('accepts %j', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['ab', `${rule} "ab" has 2.`],
    ['a'.repeat(64), `${rule} "${'a'.repeat(64)}" has 64.`],
    ['My_Bucket', `${rule} It contains "M", "_", "B". Use lowercase letters only.`],
    ['my bucket', `${rule} It contains spaces.`],
    ['-logs', `${rule} It starts with "-".`],
    ['.logs', `${rule} It starts with ".".`],
    ['logs-', 'Bucket name cannot end with a dot or a hyphen.'],
    ['my..logs', 'Bucket name cannot contain two dots in a row.'],
    ['my.-logs', 'Bucket name cannot have a dot next to a hyphen.'],
    ['192.168.1.10', 'Bucket name cannot look like an IP address.'],
  ])('rejects %j', (name, message) => {
    expect(bucketNameProblem(name)).toBe(message);
  });
});

describe('explainTrackerDetail', () => {
  it.each([
    ['bucketPolicyError', /bucket policy.*allow CTS to write/],
    ['noBucket', /no longer exists.*Create the bucket again/],
    ['arrears', /arrears.*Top up/],
    ['quotaExceeded', /error state \(quotaExceeded\).*CTS console/],
    [undefined, /gave no reason/],
  ])('%s', (detail, pattern) => {
    expect(explainTrackerDetail(detail)).toMatch(pattern);
  });
});

describe('explainCtsError', () => {
  const codes = [
    'CTS.0201',
    'CTS.0208',
    'CTS.0200',
    'CTS.0003',
    'CTS.0202',
    'CTS.0203',
    'CTS.0204',
    'CTS.0205',
    'CTS.0206',
    'CTS.0209',
    'CTS.0211',
    'CTS.0218',
    'CTS.0219',
    'CTS.0221',
    'CTS.0222',
    'CTS.0225',
    'CTS.0231',
    'CTS.0002',
    'CTS.0013',
    'CTS.0214',
    'CTS.0004',
    'CTS.0005',
    'APIGW.0301',
    'APIGW.0308',
  ];

  it.each(codes)('explains %s in its own words', (code) => {
    const text = explainCtsError(code, 'raw service message');
    expect(text).not.toContain(code);
    expect(text).not.toContain('raw service message');
    expect(text.length).toBeGreaterThan(30);
  });

  it('gives every listed code a distinct explanation except the documented aliases', () => {
    const distinct = new Set(codes.map((c) => explainCtsError(c)));
    expect(distinct.size).toBe(codes.length - 2); // CTS.0013 = CTS.0002, CTS.0005 = CTS.0004
    expect(explainCtsError('CTS.0013')).toBe(explainCtsError('CTS.0002'));
    expect(explainCtsError('CTS.0005')).toBe(explainCtsError('CTS.0004'));
  });

  it('says what matters for the key ones', () => {
    expect(explainCtsError('CTS.0201')).toMatch(/only one per region/);
    expect(explainCtsError('APIGW.0301')).toMatch(/lock the key for 5 minutes/);
    expect(explainCtsError('APIGW.0308')).toMatch(/Wait a minute/);
    expect(explainCtsError('CTS.0002')).toMatch(/CTS FullAccess/);
  });

  it('falls back to the code and the service message for unknown codes', () => {
    expect(explainCtsError('CTS.9999', 'Something new.')).toBe('CTS refused the request (CTS.9999: Something new.).');
    expect(explainCtsError('CTS.9999')).toBe('CTS refused the request (CTS.9999).');
  });
});
