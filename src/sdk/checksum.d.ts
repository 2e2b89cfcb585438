// The types of checksum.js: the package's own.
export * from '../../node_modules/@smithy/core/dist-types/submodules/checksum/index.js';
