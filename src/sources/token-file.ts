import { lstat, readFile, stat } from 'node:fs/promises';
import { ActionError } from '../errors.js';
import { linkedFolder } from '../safe-paths.js';

/**
 * Kubernetes mounts projected service-account tokens through symlinks (`token -> ..data/token`), so links
 * are followed only below these directories; anywhere else a link could point the action at another file.
 */
const SYMLINK_ALLOWED_UNDER = [
  '/var/run/secrets/eks.amazonaws.com/serviceaccount/',
  '/var/run/secrets/kubernetes.io/serviceaccount/',
];
/** Web identity tokens are a few KiB; a larger file is not a token. */
const MAX_TOKEN_BYTES = 64 * 1024;

/**
 * The token in a web identity token file (absolute path), refusing links (the file, its folder, or a folder of
 * the workspace on the way to it) outside the Kubernetes paths.
 */
export async function readWebIdentityTokenFile(file: string, workspace?: string): Promise<string> {
  const kubernetes = SYMLINK_ALLOWED_UNDER.some((dir) => file.startsWith(dir));
  const folder = kubernetes ? undefined : linkedFolder(file, { within: workspace });
  if (folder !== undefined) {
    throw new ActionError(
      `web-identity-token-file ${file} is reached through ${folder}, a symbolic link; links are followed only for Kubernetes service-account tokens (${SYMLINK_ALLOWED_UNDER.join(', ')}): point the input at the file's real path`,
    );
  }
  const link = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    throw new ActionError(
      `web-identity-token-file ${file} can't be read (${error.code ?? error.message}): check the path; relative paths start at GITHUB_WORKSPACE`,
    );
  });
  if (link.isSymbolicLink() && !kubernetes) {
    throw new ActionError(
      `web-identity-token-file ${file} is a symbolic link; links are followed only for Kubernetes service-account tokens (${SYMLINK_ALLOWED_UNDER.join(', ')}): point the input at the file itself`,
    );
  }
  // Checked before reading, so a directory or a device (which never ends) gets a message, not a hang.
  const target = await stat(file);
  if (!target.isFile()) {
    throw new ActionError(
      `web-identity-token-file ${file} is not a regular file: point the input at the token file itself`,
    );
  }
  if (target.size > MAX_TOKEN_BYTES) {
    throw new ActionError(
      `web-identity-token-file ${file} is ${target.size} bytes, too large for a web identity token (at most ${MAX_TOKEN_BYTES})`,
    );
  }
  const contents = await readFile(file);
  const token = contents.toString('utf8').trim();
  if (token === '')
    throw new ActionError(
      `web-identity-token-file ${file} is empty: it should hold a web identity token (a JWT)`,
    );
  return token;
}
