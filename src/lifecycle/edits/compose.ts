/**
 * Compose files: every service that runs something (has image: or build:) and lacks a hardening key gets it —
 * `read_only: true` (CTR-08), `cap_drop: [ALL]` (CTR-09), `security_opt: [no-new-privileges:true]` (CTR-10).
 * A key the service already sets keeps its value; a block list that lacks the entry gets it appended. Keys a
 * service takes from a `<<:` merge count as set. Flow-style services and lists are left alone (noted).
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { EditResult, Insertion } from './text.js';
import { appendToMap, appendToSeq, finishYamlEdit, hasKey, indentStep, isBlockSeq, linesAt, pairIn, parseYamlForEdit, resolve, scalarText } from './yaml-splice.js';

export const COMPOSE_HARDENING_COMMENT =
  '# added by secure-stack add (CTR-08/09/10): if this service must write to its filesystem, mount a tmpfs or volume at that path';

export function editCompose(text: string): EditResult {
  const yaml = parseYamlForEdit(text);
  if ('error' in yaml) return { kind: 'unsafe', reason: `YAML does not parse: ${yaml.error}` };
  const root = yaml.document.contents;
  if (!isMap(root)) return { kind: 'unsafe', reason: 'the top level is not a mapping' };
  const servicesPair = pairIn(yaml, root, 'services');
  const services = resolve(yaml, servicesPair?.value);
  if (!isMap(services)) return { kind: 'unchanged', notes: ['no services: mapping'] };
  const step = indentStep(yaml, servicesPair!.key, services);
  const insertions: Insertion[] = [];
  const changes: string[] = [];
  const notes: string[] = [];

  for (const pair of services.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '?';
    const service = resolve(yaml, pair.value);
    if (!isMap(service)) continue;
    if (!hasKey(yaml, service, 'image') && !hasKey(yaml, service, 'build')) continue; // an override fragment
    const place = appendToMap(yaml, service);
    if (place === undefined) {
      notes.push(`service ${name} is written in flow style: not edited`);
      continue;
    }
    const nested = place.indent + ' '.repeat(step);
    const lines: string[] = [];
    const added: string[] = [];
    if (!hasKey(yaml, service, 'read_only')) {
      lines.push(`${place.indent}read_only: true`);
      added.push('read_only');
    }
    for (const [key, entry, matches] of [
      ['cap_drop', 'ALL', (value: string) => value.toUpperCase() === 'ALL'],
      ['security_opt', 'no-new-privileges:true', (value: string) => /^no-new-privileges(?:[:=]|$)/.test(value)],
    ] as const) {
      if (!hasKey(yaml, service, key)) {
        lines.push(`${place.indent}${key}:`, `${nested}- ${entry}`);
        added.push(key);
        continue;
      }
      const list = resolve(yaml, pairIn(yaml, service, key)?.value);
      const items = isBlockSeq(list) ? list.items.map((item) => scalarText(yaml, item) ?? '') : undefined;
      if (items === undefined) {
        const flowHasIt = isSeq(list) && list.items.some((item) => matches(scalarText(yaml, item) ?? ''));
        if (!flowHasIt) {
          notes.push(`service ${name}: ${key} is not a block list (or comes from a merge): not edited`);
        }
        continue;
      }
      if (items.some(matches)) continue;
      const append = appendToSeq(yaml, list);
      if (append === undefined) {
        notes.push(`service ${name}: ${key} could not be extended safely`);
        continue;
      }
      insertions.push(linesAt(yaml, append.offset, [`${append.indent}- ${entry}`]));
      added.push(`${key} ${entry}`);
    }
    if (lines.length > 0) insertions.push(linesAt(yaml, place.offset, [`${place.indent}${COMPOSE_HARDENING_COMMENT}`, ...lines]));
    if (added.length > 0) changes.push(`service ${name}: added ${added.join(', ')}`);
  }
  return finishYamlEdit(text, insertions, changes, notes);
}
