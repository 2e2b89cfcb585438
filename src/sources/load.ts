import type { Config } from '../inputs/config.js';
import type { OnRetry } from '../sts/retry.js';
import type { Signer } from '../sts/client.js';
import type { SourceChoice } from './choose.js';
import { githubOidcToken, type GetIDToken } from './oidc.js';
import { existingSigner } from './existing.js';
import { readWebIdentityTokenFile } from './token-file.js';

/**
 * What a source yields: a way to get a web identity token (called again for every AssumeRoleWithWebIdentity
 * attempt, because a token lives only minutes), or credentials to sign STS calls with.
 */
export type SourceCredentials =
  | { readonly kind: 'web-identity'; readonly fetchToken: () => Promise<string>; readonly stage: string }
  | { readonly kind: 'signer'; readonly signer: Signer };

/** What loading a source needs from outside. */
export interface LoadDeps {
  readonly getIDToken: GetIDToken;
  readonly mask: (secret: string) => void;
  readonly onRetry: OnRetry;
  readonly signal: AbortSignal;
  /** The step's environment: GITHUB_WORKSPACE (no folder in it on the way to the token file may be a link), keys. */
  readonly env: NodeJS.ProcessEnv;
}

/** The chosen source's credentials; every secret goes through `mask` the moment it exists. */
export function loadSource(choice: SourceChoice, config: Config, deps: LoadDeps): SourceCredentials {
  const masked = async (token: Promise<string>): Promise<string> => {
    const value = await token;
    deps.mask(value);
    return value;
  };
  switch (choice.kind) {
    case 'github-oidc': {
      const options = {
        maxAttempts: config.disableRetry ? 1 : config.retryMaxAttempts,
        onRetry: deps.onRetry,
        signal: deps.signal,
      };
      return {
        kind: 'web-identity',
        fetchToken: () => masked(githubOidcToken(config.audience, deps.getIDToken, options)),
        stage: 'fetching the GitHub OIDC token',
      };
    }
    case 'token-file':
      return {
        kind: 'web-identity',
        fetchToken: () =>
          masked(readWebIdentityTokenFile(config.webIdentityTokenFile as string, deps.env.GITHUB_WORKSPACE)),
        stage: 'reading the web identity token file',
      };
    case 'static-keys':
      return { kind: 'signer', signer: { ...config.staticKeys!, expiration: undefined } };
    case 'existing':
      return { kind: 'signer', signer: existingSigner(deps.env, deps.mask) };
  }
}
