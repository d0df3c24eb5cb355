/**
 * The manifest printed without loading the yaml library, for the common case: every key and string is a plain
 * YAML scalar (letters, digits and `_./@:+-`, not a word or number any YAML version reads as something else) or
 * the empty string.
 * The output is byte for byte what yaml's `stringify(value, { lineWidth: 0, sortMapEntries: false })` prints,
 * which test/manifest/plain-yaml.test.ts checks against the library on generated manifests and on random values;
 * for anything outside that case (a space, a quote, a null, a nested list…) it returns undefined and the
 * library prints the manifest. `new` spent more time in the library's first stringify than in all its writes.
 */

const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./@:+-]*$/;
/**
 * Plain strings some YAML schema resolves to another type (null, booleans of YAML 1.1 and 1.2, numbers of every
 * base, sexagesimal numbers): these must be quoted, which is the library's to do.
 */
const READ_AS_ANOTHER_TYPE =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|0b[01_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$/;

function plainScalar(value: unknown): string | undefined {
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (value === '') return '""';
  // `...` opens a document-end marker; a trailing `:` would read as a key.
  return PLAIN.test(value) && !value.startsWith('...') && !value.endsWith(':') && !READ_AS_ANOTHER_TYPE.test(value) ? value : undefined;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** The lines of a block mapping at `indent`, or undefined. Pairs whose value is undefined are left out, as yaml does. */
function mappingLines(value: Record<string, unknown>, indent: string): string[] | undefined {
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const plainKey = plainScalar(key);
    if (plainKey === undefined) return undefined;
    const scalar = plainScalar(item);
    if (scalar !== undefined) {
      lines.push(`${indent}${plainKey}: ${scalar}`);
      continue;
    }
    const nested = collectionLines(item, `${indent}  `);
    if (nested === undefined) return undefined;
    if (nested.length === 1 && !nested[0]!.startsWith(`${indent}  `)) lines.push(`${indent}${plainKey}: ${nested[0]}`);
    else lines.push(`${indent}${plainKey}:`, ...nested);
  }
  return lines;
}

/** A nested mapping or list: its lines at `indent`, or its one flow line (`{}`, `[]`) when it is empty. */
function collectionLines(value: unknown, indent: string): string[] | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0) return ['[]'];
    const lines: string[] = [];
    for (const item of value) {
      const scalar = plainScalar(item);
      if (scalar !== undefined) {
        lines.push(`${indent}- ${scalar}`);
        continue;
      }
      if (!isMapping(item) || Object.values(item).every((entry) => entry === undefined)) return undefined;
      const nested = mappingLines(item, `${indent}  `);
      if (nested === undefined) return undefined;
      lines.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
    }
    return lines;
  }
  if (!isMapping(value)) return undefined;
  if (Object.values(value).every((entry) => entry === undefined)) return ['{}'];
  return mappingLines(value, indent);
}

/** `value` (a mapping) as yaml prints it, or undefined when it holds anything but plain scalars, mappings and lists of them. */
export function stringifyPlainYaml(value: unknown): string | undefined {
  if (!isMapping(value)) return undefined;
  const lines = collectionLines(value, '');
  if (lines === undefined || lines[0] === '{}') return undefined;
  return `${lines.join('\n')}\n`;
}
