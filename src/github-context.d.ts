// Types for the Context module on its own (the package exports it only through its main entry).
declare module '@actions/github/lib/context.js' {
  type GitHubContext = (typeof import('@actions/github'))['context'];
  export const Context: new () => GitHubContext;
}
