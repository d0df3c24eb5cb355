/**
 * 3-way merge of one file: base (what the recorded template version generated), ours (the repository),
 * theirs (the new render). Lines changed on one side only are taken; lines changed on both sides in
 * different ways become a conflict block in git's diff3 style, which editors recognise:
 *
 *   <<<<<<< yours
 *   (the repository's lines)
 *   ||||||| template 0.1.0
 *   (the base's lines)
 *   =======
 *   (the new template's lines)
 *   >>>>>>> template 0.2.0
 *
 * Nothing of ours is dropped: each of our changed lines is either in the result as it is or inside a block.
 * Line endings are kept: a repository file written with CRLF everywhere is merged and written with CRLF.
 */
import { diff3Merge } from 'node-diff3';

export interface MergeLabels {
  /** Shown after <<<<<<<: the repository's side. */
  ours: string;
  /** Shown after |||||||: the base. */
  base: string;
  /** Shown after >>>>>>>: the new render. */
  theirs: string;
}

export interface MergeOutcome {
  content: Buffer;
  /** Conflict blocks written (text) or 1 for a binary file changed on both sides (left as ours). */
  conflicts: number;
  binary: boolean;
}

/** git's heuristic: a NUL byte in the first 8000 bytes makes a file binary. */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/**
 * Merges one file. `base` undefined means "both added" (no common ancestor is known): identical sides merge,
 * anything else is one conflict block with an empty base section.
 */
export function mergeFile(base: Buffer | undefined, ours: Buffer, theirs: Buffer, labels: MergeLabels): MergeOutcome {
  if (ours.equals(theirs)) return { content: ours, conflicts: 0, binary: false };
  if (base !== undefined && ours.equals(base)) return { content: theirs, conflicts: 0, binary: false };
  if (base !== undefined && theirs.equals(base)) return { content: ours, conflicts: 0, binary: false };
  if (isBinary(ours) || isBinary(theirs) || (base !== undefined && isBinary(base))) {
    return { content: ours, conflicts: 1, binary: true };
  }
  return mergeText(base?.toString('utf8') ?? '', ours.toString('utf8'), theirs.toString('utf8'), labels);
}

function mergeText(baseText: string, oursText: string, theirsText: string, labels: MergeLabels): MergeOutcome {
  const eol = lineEnding(oursText);
  // Templates are written with LF; a repository converted to CRLF would otherwise differ on every line.
  const adapt = (text: string): string => (eol === '\r\n' ? text.replace(/\r?\n/g, '\r\n') : text);
  const regions = diff3Merge(splitLines(oursText), splitLines(adapt(baseText)), splitLines(adapt(theirsText)), { excludeFalseConflicts: true });
  const output: string[] = [];
  let conflicts = 0;
  const pushBlock = (lines: readonly string[]): void => {
    output.push(...lines);
    const last = output.at(-1);
    if (last !== undefined && !last.endsWith('\n')) output[output.length - 1] = `${last}${eol}`;
  };
  for (const region of regions) {
    if (region.ok) output.push(...region.ok);
    else if (region.conflict) {
      conflicts++;
      const previous = output.at(-1);
      if (previous !== undefined && !previous.endsWith('\n')) output[output.length - 1] = `${previous}${eol}`;
      output.push(`<<<<<<< ${labels.ours}${eol}`);
      pushBlock(region.conflict.a);
      output.push(`||||||| ${labels.base}${eol}`);
      pushBlock(region.conflict.o);
      output.push(`=======${eol}`);
      pushBlock(region.conflict.b);
      output.push(`>>>>>>> ${labels.theirs}${eol}`);
    }
  }
  return { content: Buffer.from(output.join(''), 'utf8'), conflicts, binary: false };
}

/** Lines with their terminators, so that joining them gives the text back byte for byte. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** CRLF when every line break of the text is CRLF, else LF (mixed files are merged byte for byte). */
function lineEnding(text: string): '\n' | '\r\n' {
  const breaks = text.split('\n').length - 1;
  const crlf = text.split('\r\n').length - 1;
  return breaks > 0 && crlf === breaks ? '\r\n' : '\n';
}
