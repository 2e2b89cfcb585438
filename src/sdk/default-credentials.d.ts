// The types of default-credentials.js: the package's own.
export * from '../../node_modules/@aws-sdk/credential-provider-node/dist-types/index.js';
