import { describe, expect, it } from 'vitest';
import { isBinary, mergeFile, splitLines } from '../../src/lifecycle/merge.js';

const labels = { ours: 'yours', base: 'template 0.1.0', theirs: 'template 0.2.0' };
const merge = (base: string | undefined, ours: string, theirs: string) => {
  const outcome = mergeFile(base === undefined ? undefined : Buffer.from(base), Buffer.from(ours), Buffer.from(theirs), labels);
  return { text: outcome.content.toString('utf8'), conflicts: outcome.conflicts, binary: outcome.binary };
};

describe('mergeFile', () => {
  it('takes both sides when they changed different lines', () => {
    const base = 'one\ntwo\nthree\nfour\nfive\n';
    const ours = 'one\nTWO (mine)\nthree\nfour\nfive\n';
    const theirs = 'one\ntwo\nthree\nfour\nFIVE (template)\n';
    expect(merge(base, ours, theirs)).toEqual({ text: 'one\nTWO (mine)\nthree\nfour\nFIVE (template)\n', conflicts: 0, binary: false });
  });

  it('writes a diff3-style block labelled with the sides when both changed the same line', () => {
    const result = merge('a\nshared\nz\n', 'a\nmine\nz\n', 'a\ntheirs\nz\n');
    expect(result.conflicts).toBe(1);
    expect(result.text).toBe(
      ['a', '<<<<<<< yours', 'mine', '||||||| template 0.1.0', 'shared', '=======', 'theirs', '>>>>>>> template 0.2.0', 'z', ''].join('\n'),
    );
  });

  it('an identical change on both sides is no conflict', () => {
    expect(merge('a\nb\nc\n', 'a\nB\nc\n', 'a\nB\nc\nd\n')).toEqual({ text: 'a\nB\nc\nd\n', conflicts: 0, binary: false });
  });

  it('short-cuts: ours == base takes theirs, theirs == base keeps ours, byte for byte', () => {
    expect(merge('x\n', 'x\n', 'y\r\n').text).toBe('y\r\n');
    expect(merge('x\n', 'mine', 'x\n').text).toBe('mine');
  });

  it('without a base ("both added"), identical sides merge and different ones are one conflict with an empty base', () => {
    expect(merge(undefined, 'same\n', 'same\n')).toEqual({ text: 'same\n', conflicts: 0, binary: false });
    const result = merge(undefined, 'mine\n', 'template\n');
    expect(result.conflicts).toBe(1);
    expect(result.text).toBe('<<<<<<< yours\nmine\n||||||| template 0.1.0\n=======\ntemplate\n>>>>>>> template 0.2.0\n');
  });

  it('keeps CRLF line endings of a repository file converted to CRLF, markers included', () => {
    const result = merge('a\nb\nc\n', 'a\r\nB\r\nc\r\n', 'a\nb\nc\nd\n');
    expect(result).toEqual({ text: 'a\r\nB\r\nc\r\nd\r\n', conflicts: 0, binary: false });
    const conflict = merge('a\nb\n', 'a\r\nmine\r\n', 'a\ntheirs\n');
    expect(conflict.text).toBe('a\r\n<<<<<<< yours\r\nmine\r\n||||||| template 0.1.0\r\nb\r\n=======\r\ntheirs\r\n>>>>>>> template 0.2.0\r\n');
  });

  it('a side without a final newline still gets its marker on a line of its own', () => {
    const result = merge('a\nb', 'a\nmine', 'a\ntheirs');
    expect(result.text).toBe('a\n<<<<<<< yours\nmine\n||||||| template 0.1.0\nb\n=======\ntheirs\n>>>>>>> template 0.2.0\n');
  });

  it('binary files are not merged: changed on both sides, ours stays and it is a conflict', () => {
    const base = Buffer.from([0, 1, 2]);
    const ours = Buffer.from([0, 1, 3]);
    const theirs = Buffer.from([0, 1, 4]);
    const outcome = mergeFile(base, ours, theirs, labels);
    expect(outcome).toEqual({ content: ours, conflicts: 1, binary: true });
    expect(mergeFile(base, base, theirs, labels).content).toEqual(theirs);
    expect(isBinary(Buffer.from('text'))).toBe(false);
  });

  it('splitLines keeps every byte', () => {
    for (const text of ['', 'a', 'a\n', 'a\r\nb', '\n\n', 'x\ny\n\nz']) expect(splitLines(text).join('')).toBe(text);
  });
});
