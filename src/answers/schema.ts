/**
 * The one typed schema for a project's answers, with defaults. Presets, the answers file, flags and the
 * wizard all produce (partial) Answers validated here.
 */
import * as v from 'valibot';
import { mapping, oneOf, problemCheck } from '../config/validation.js';
import { projectNameProblem } from './names.js';

export const LAYER_IDS = ['api', 'web', 'db', 'containers', 'ci', 'docs'] as const;
export type LayerName = (typeof LAYER_IDS)[number];
export const CLOUDS = ['aws', 'gcp', 'azure', 'none'] as const;
export type Cloud = (typeof CLOUDS)[number];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An https URL, or http on a loopback host (a local IdP during development). */
export function issuerProblem(value: string): string | undefined {
  // The URL parser would silently drop or encode these; the original text is what reaches generated files.
  if (!/^[\x21-\x7e]+$/.test(value) || /["<>\\^`{|}]/.test(value)) {
    return 'must be a URL of printable ASCII without spaces, quotes, <, >, \\, ^, `, {, | or }';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    return 'must use https (http is accepted only for localhost)';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (url.search || url.hash) return 'must not contain a query or fragment';
  return undefined;
}

/** RFC 9116 Contact: a mailto:, https: or tel: URI. A bare e-mail address is turned into mailto:. */
export function normaliseSecurityContact(value: string): string {
  return /^[^\s:@]+@[^\s@]+\.[^\s@]+$/.test(value) ? `mailto:${value}` : value;
}

export function securityContactProblem(value: string): string | undefined {
  if (/^mailto:[^\s@:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(value)) return undefined;
  if (/^tel:\+?[0-9-]{4,20}$/.test(value)) return undefined;
  if (value.startsWith('https://') && issuerProblem(value) === undefined) return undefined;
  return 'must be an e-mail address, a mailto:, tel: or https: URI';
}

const printableToken = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(200),
  v.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
);

export const answersShape = {
  projectName: v.pipe(v.string(), problemCheck(projectNameProblem)),
  layers: v.pipe(
    v.array(oneOf(LAYER_IDS)),
    v.minLength(1, 'choose at least one layer'),
    v.check((layers) => new Set(layers).size === layers.length, 'a layer is listed twice'),
  ),
  cloud: oneOf(CLOUDS),
  multiTenant: v.boolean(),
  oidcIssuer: v.pipe(v.string(), problemCheck(issuerProblem)),
  oidcAudience: printableToken,
  securityContact: v.pipe(v.string(), v.transform(normaliseSecurityContact), problemCheck(securityContactProblem)),
};

const answersObject = v.strictObject(answersShape);
export const answersSchema = mapping(answersObject);
export type Answers = v.InferOutput<typeof answersSchema>;
export type AnswerKey = keyof Answers;
export const ANSWER_KEYS = Object.keys(answersShape) as AnswerKey[];

/** Answers a preset or an answers file may give: any subset. */
export const partialAnswersSchema = mapping(v.partial(answersObject));
export type PartialAnswers = v.InferOutput<typeof partialAnswersSchema>;

/** Answers a preset may give: any subset but the project name, which belongs to each project. */
export const presetAnswersSchema = mapping(v.omit(v.partial(answersObject), ['projectName']));

/** Defaults for every answer; the audience derives from the project name, so it waits for the name. */
export function defaultAnswers(projectName?: string): Partial<Answers> {
  return {
    ...(projectName === undefined ? {} : { projectName, oidcAudience: `${projectName}-api` }),
    layers: [...LAYER_IDS],
    cloud: 'none',
    multiTenant: true,
    oidcIssuer: 'https://idp.example.com/',
    securityContact: 'mailto:security@example.com',
  };
}

/** Layers in their canonical order, so the same choice always renders the same output. */
export function canonicalLayers(layers: readonly LayerName[]): LayerName[] {
  return LAYER_IDS.filter((layer) => layers.includes(layer));
}
