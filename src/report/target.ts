/** Where an output may go: an existing folder, outside the evidence tree, not a folder itself. */
import { realpathSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

function inside(child: string, parent: string): boolean {
  const p = parent.endsWith(sep) ? parent : parent + sep;
  return child === parent || child.startsWith(p);
}

/** Why target cannot be written for a scan of root, or undefined if it can. */
export function outputProblem(target: string, root: string): string | undefined {
  const abs = resolve(target);
  let parentReal: string;
  try {
    parentReal = realpathSync(dirname(abs));
  } catch {
    return `the folder ${dirname(target)} does not exist`;
  }
  let rootReal: string;
  try {
    rootReal = realpathSync(root);
  } catch {
    rootReal = resolve(root);
  }
  if (inside(parentReal, rootReal)) return `refusing to write into the evidence tree ${root}; write the output elsewhere`;
  try {
    if (statSync(abs).isDirectory()) return `${target} is a folder; give a file name`;
  } catch {
    /* does not exist yet: fine */
  }
  return undefined;
}
