/** Every callback, block and action id of the `/cts tracker` modal, declared once for builders, handlers and tests. */
export const TrackerIds = {
  modal: 'tracker-modal',
  typeBlock: 'tracker-type-block',
  typeRadio: 'tracker-type-radio',
  systemNameBlock: 'tracker-system-name-block',
  nameBlock: 'tracker-name-block',
  nameInput: 'tracker-name-input',
  obsHeaderBlock: 'tracker-obs-header-block',
  bucketBlock: 'tracker-bucket-block',
  bucketInput: 'tracker-bucket-input',
  prefixBlock: 'tracker-prefix-block',
  prefixInput: 'tracker-prefix-input',
  obsOptionsBlock: 'tracker-obs-options-block',
  obsOptionsCheckbox: 'tracker-obs-options-checkbox',
  compressBlock: 'tracker-compress-block',
  compressRadio: 'tracker-compress-radio',
  retentionBlock: 'tracker-retention-block',
  retentionSelect: 'tracker-retention-select',
  analysisBlock: 'tracker-analysis-block',
  analysisCheckbox: 'tracker-analysis-checkbox',
  encryptionBlock: 'tracker-encryption-block',
  encryptionCheckbox: 'tracker-encryption-checkbox',
  kmsBlock: 'tracker-kms-block',
  kmsInput: 'tracker-kms-input',
  managementOptionsBlock: 'tracker-management-options-block',
  managementOptionsCheckbox: 'tracker-management-options-checkbox',
  dataBucketBlock: 'tracker-data-bucket-block',
  dataBucketInput: 'tracker-data-bucket-input',
  operationsBlock: 'tracker-operations-block',
  operationsCheckbox: 'tracker-operations-checkbox',
} as const;

/** Option values of the modal's radio buttons and checkboxes. */
export const TrackerOptionValues = {
  system: 'system',
  data: 'data',
  createBucket: 'create-bucket',
  sortByService: 'sort-by-service',
  lts: 'lts',
  validate: 'validate',
  encrypt: 'encrypt',
  excludeKms: 'exclude-kms',
  organization: 'organization',
  gzip: 'gzip',
  json: 'json',
  read: 'READ',
  write: 'WRITE',
} as const;

/** Every callback, block and action id of `/cts subscribe` and `/cts subscriptions`, declared once. */
export const SubscriptionIds = {
  modal: 'cts-subscribe-modal',
  topicBlock: 'cts-subscribe-topic-block',
  topicInput: 'cts-subscribe-topic-input',
  serviceBlock: 'cts-subscribe-service-block',
  serviceInput: 'cts-subscribe-service-input',
  resourceBlock: 'cts-subscribe-resource-block',
  resourceInput: 'cts-subscribe-resource-input',
  traceBlock: 'cts-subscribe-trace-block',
  traceInput: 'cts-subscribe-trace-input',
  /** The Remove button on a `/cts subscriptions` row (its value is the subscription id). */
  remove: 'cts-subscription-remove',
} as const;
