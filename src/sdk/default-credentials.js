// What the bundle gets for @aws-sdk/credential-provider-node (tsconfig.json `paths` maps it here, for the STS
// client's own import): the SDK's default credential chain, loaded the first time a client asks it for
// credentials. Only use-existing-credentials, role-chaining and an existing source sign with it; for GitHub
// OIDC, a token file or access keys, the chain's providers (and the SSO and sign-in clients they bring) stay
// out of the step's memory.
export const defaultProvider = (init = {}) => {
  /** @type {Promise<(options?: object) => Promise<object>> | undefined} */
  let provider;
  return async (options) => {
    provider ??= import('../../node_modules/@aws-sdk/credential-provider-node/dist-cjs/index.js').then(
      (chain) => chain.defaultProvider(init),
    );
    return (await provider)(options);
  };
};
