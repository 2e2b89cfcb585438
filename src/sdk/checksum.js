// What the bundle gets for @smithy/core/checksum (tsconfig.json `paths` maps it here, for the AWS SDK's own
// imports): SHA-256 for request signing, and the pure-JavaScript CRC32 for the event streams that STS never
// uses, from the package's ES modules; the package's own entry loads node:zlib for its native CRC32 at start-up.
export { Sha256Node as Sha256 } from '../../node_modules/@smithy/core/dist-es/submodules/checksum/sha256/Sha256Node.js';
export { Crc32Js as Crc32 } from '../../node_modules/@smithy/core/dist-es/submodules/checksum/crc32/Crc32Js.js';
