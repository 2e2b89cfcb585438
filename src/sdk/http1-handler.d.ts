// The types of http1-handler.js: the package's own.
export * from '../../node_modules/@smithy/node-http-handler/dist-types/index.js';
