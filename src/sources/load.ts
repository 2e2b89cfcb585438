import type { Config } from '../inputs.js';
import type { Signer } from '../sts.js';
import type { SourceChoice } from './choose.js';
import { githubOidcToken, type GetIDToken } from './oidc.js';
import { readWebIdentityTokenFile } from './token-file.js';

/** What a source yields: a web identity token to exchange, or credentials to sign STS calls with. */
export type SourceCredentials =
  | { readonly kind: 'web-identity'; readonly token: string }
  | { readonly kind: 'signer'; readonly signer: Signer };

/** Loads the chosen source's credentials; every secret goes through `mask` the moment it exists. */
export async function loadSource(
  choice: SourceChoice,
  config: Config,
  deps: { getIDToken: GetIDToken; mask: (secret: string) => void },
): Promise<SourceCredentials> {
  switch (choice.kind) {
    case 'github-oidc': {
      const token = await githubOidcToken(config.audience, deps.getIDToken);
      deps.mask(token);
      return { kind: 'web-identity', token };
    }
    case 'token-file': {
      const token = await readWebIdentityTokenFile(config.webIdentityTokenFile as string);
      deps.mask(token);
      return { kind: 'web-identity', token };
    }
    case 'static-keys': {
      const keys = config.staticKeys!;
      return { kind: 'signer', signer: { ...keys, expiration: undefined } };
    }
    case 'existing':
      return { kind: 'signer', signer: 'default-chain' };
  }
}
