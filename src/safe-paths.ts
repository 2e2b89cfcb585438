import { lstatSync } from 'node:fs';
import * as path from 'node:path';

// Files the action reads secrets from or writes secrets to are never reached through a symbolic link: a link
// planted by an earlier step (or by the code of a pull request) could point the action at another file.

/**
 * The first folder on the way to `file` that is a symbolic link, or undefined: the file's own folder, and every
 * folder below `within` (the workspace, whose contents earlier steps control) when the file is inside it.
 * Links directly under the file system's root (macOS's /tmp → private/tmp, /var → private/var) belong to the
 * system, which only an administrator can change, and are allowed.
 */
export function linkedFolder(
  file: string,
  { within }: { within?: string | undefined } = {},
): string | undefined {
  const absolute = path.resolve(file);
  const folders = [path.dirname(absolute)];
  const base = within === undefined ? undefined : path.resolve(within);
  if (base !== undefined && absolute.startsWith(base + path.sep)) {
    for (
      let dir = path.dirname(path.dirname(absolute));
      dir.startsWith(base + path.sep);
      dir = path.dirname(dir)
    )
      folders.push(dir);
  }
  return folders.find((dir) => !isSystemTopLevel(dir) && isLink(dir));
}

function isSystemTopLevel(dir: string): boolean {
  const parent = path.dirname(dir);
  return parent === dir || path.dirname(parent) === parent;
}

function isLink(target: string): boolean {
  try {
    return lstatSync(target).isSymbolicLink();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
