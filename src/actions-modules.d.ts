// Types for single modules of @actions/github and @actions/core, which their packages export only through
// their main entries. The action imports them directly (tsconfig `paths`) to keep Octokit, the OIDC HTTP
// client and undici out of its bundles.
declare module '@actions/github/lib/context.js' {
  type GitHubContext = (typeof import('@actions/github'))['context'];
  export const Context: new () => GitHubContext;
}

declare module '@actions/core/lib/command.js' {
  export function issueCommand(command: string, properties: Record<string, unknown>, message: unknown): void;
}

declare module '@actions/core/lib/file-command.js' {
  export function issueFileCommand(command: string, message: unknown): void;
  export function prepareKeyValueMessage(key: string, value: unknown): string;
}

declare module '@actions/core/lib/utils.js' {
  export function toCommandValue(input: unknown): string;
}
