// What the bundle gets for @smithy/node-http-handler (tsconfig.json `paths` maps it here, for the AWS SDK's own
// imports too): the HTTP/1.1 handler and the stream collector from the package's ES modules, without
// NodeHttp2Handler, whose module loads node:http2 for requests that STS never makes over HTTP/2.
export {
  NodeHttpHandler,
  DEFAULT_REQUEST_TIMEOUT,
} from '../../node_modules/@smithy/node-http-handler/dist-es/node-http-handler.js';
export { streamCollector } from '@smithy/core/serde';
