/**
 * A Content-Security-Policy header value, as evaluated from code (string chunks with holes), split into
 * directives and source tokens that each know where they were written. Then the WEB-04 rules over it.
 */
import type { Severity } from '../../../controls/catalog.js';
import type { Location } from '../../finding.js';
import { lastStartAtOrBefore } from '../../line-index.js';
import { HOLE, type Chunk, type Site } from './evaluate.js';

export interface CspToken {
  text: string;
  /** Lower case, for comparisons (source keywords and directive names are case-insensitive). */
  lower: string;
  /** Where the token starts in the joined header text. */
  index: number;
  /** Part of the token is not known (e.g. the nonce). */
  partial: boolean;
}

export interface CspDirective {
  name: CspToken;
  sources: CspToken[];
  /** A source list entry is entirely unknown: it could be anything. */
  unknownSources: boolean;
}

export interface Csp {
  directives: Map<string, CspDirective>;
  /** A directive name is unknown: any directive could be there. */
  unknownDirectives: boolean;
  locate(index: number): Location;
  site: Location;
}

const WHITESPACE = /[ \t\n\r\f]/;

export function parseCsp(chunks: readonly Chunk[], site: Site): Csp {
  const starts: number[] = [];
  let text = '';
  for (const chunk of chunks) {
    starts.push(text.length);
    text += chunk.text;
  }
  const locate = (index: number): Location => {
    const piece = lastStartAtOrBefore(starts, index);
    const chunk = chunks[piece];
    if (chunk === undefined) return site.module.location(site.offset);
    return chunk.site.module.location(chunk.site.offset + (chunk.exact ? index - starts[piece]! : 0));
  };
  const directives = new Map<string, CspDirective>();
  let unknownDirectives = false;
  let position = 0;
  for (const segment of text.split(';')) {
    const tokens: CspToken[] = [];
    let i = 0;
    while (i < segment.length) {
      if (WHITESPACE.test(segment[i]!)) {
        i += 1;
        continue;
      }
      const begin = i;
      while (i < segment.length && !WHITESPACE.test(segment[i]!)) i += 1;
      const token = segment.slice(begin, i);
      tokens.push({ text: token, lower: token.toLowerCase(), index: position + begin, partial: token.includes(HOLE) });
    }
    position += segment.length + 1;
    const [name, ...sources] = tokens;
    if (name === undefined) continue;
    if (name.partial) {
      unknownDirectives = true;
      continue;
    }
    // A repeated directive is ignored by browsers: the first one counts.
    if (directives.has(name.lower)) continue;
    directives.set(name.lower, { name, sources, unknownSources: sources.some((source) => source.text.replaceAll(HOLE, '') === '') });
  }
  return { directives, unknownDirectives, locate, site: site.module.location(site.offset) };
}

export interface CspProblem {
  location: Location;
  message: string;
  severity?: Severity;
}

function has(directive: CspDirective | undefined, keyword: string): boolean {
  return directive?.sources.some((source) => source.lower === keyword) ?? false;
}

function onlyNone(directive: CspDirective): boolean {
  return directive.sources.length === 1 && directive.sources[0]!.lower === "'none'";
}

const WILDCARD = /^(?:\*|https?:|wss?:|data:|blob:)$/;

/**
 * The problems of one CSP. The primary policy (the one the proxy sends, or next.config's when there is no
 * proxy policy) must be complete; a secondary one only must not weaken script-src, since browsers enforce
 * every policy they get.
 */
export function cspProblems(csp: Csp, primary: boolean): CspProblem[] {
  const problems: CspProblem[] = [];
  const at = (token: CspToken) => csp.locate(token.index);
  const scriptName = csp.directives.has('script-src') ? 'script-src' : 'default-src';
  const script = csp.directives.get(scriptName);
  if (script !== undefined) {
    const nonces = script.sources.filter((source) => source.lower.startsWith("'nonce-"));
    const hashes = script.sources.filter((source) => /^'sha(?:256|384|512)-/.test(source.lower));
    for (const nonce of nonces) if (!nonce.partial) problems.push({ location: at(nonce), message: `the CSP nonce ${nonce.text} is a constant: it must be random and new for every request` });
    const missing = [nonces.length === 0 ? "a per-request 'nonce-…' source" : '', has(script, "'strict-dynamic'") ? '' : "'strict-dynamic'"].filter(Boolean);
    if (primary && missing.length > 0 && !script.unknownSources) {
      problems.push({ location: at(script.name), message: `${scriptName} lacks ${missing.join(' and ')}: injected scripts can run wherever the policy allows a host or inline code` });
    }
    for (const source of script.sources) {
      if (source.lower === "'unsafe-inline'") {
        const ignored = nonces.length > 0 || hashes.length > 0;
        problems.push({
          location: at(source),
          message: `${scriptName} allows 'unsafe-inline'${ignored ? ' (ignored by CSP3 browsers next to a nonce, but it opens older ones to injected inline scripts)' : ': any injected inline script runs'}`,
          ...(ignored ? { severity: 'medium' as const } : {}),
        });
      }
      if (source.lower === "'unsafe-eval'") problems.push({ location: at(source), message: `${scriptName} allows 'unsafe-eval' outside development: eval() of injected strings runs` });
    }
  } else if (primary && !csp.unknownDirectives) {
    problems.push({ location: csp.site, message: 'the CSP has neither script-src nor default-src: scripts from anywhere run' });
  }
  if (!primary) return problems;

  const missing: string[] = [];
  const defaultSrc = csp.directives.get('default-src');
  const objectSrc = csp.directives.get('object-src');
  if (objectSrc === undefined) {
    if (defaultSrc === undefined || !onlyNone(defaultSrc)) missing.push("object-src 'none'");
  } else if (!onlyNone(objectSrc) && !objectSrc.unknownSources) {
    problems.push({ location: at(objectSrc.name), message: "object-src is not 'none': plugins can load content that runs script" });
  }
  const rules: Array<[string, string, (directive: CspDirective) => boolean, string]> = [
    ['base-uri', "base-uri 'self'", (d) => d.sources.every((s) => s.lower === "'self'" || s.lower === "'none'"), "base-uri allows other origins: an injected <base> can redirect the page's relative script URLs"],
    ['form-action', "form-action 'self'", (d) => !d.sources.some((s) => WILDCARD.test(s.lower)), 'form-action allows any origin: an injected form can post data anywhere'],
    ['frame-ancestors', "frame-ancestors 'none'", (d) => !d.sources.some((s) => WILDCARD.test(s.lower)), 'frame-ancestors allows any origin to frame the app (clickjacking)'],
  ];
  for (const [name, wanted, acceptable, weakness] of rules) {
    const directive = csp.directives.get(name);
    if (directive === undefined) missing.push(wanted);
    else if (!directive.unknownSources && !acceptable(directive)) problems.push({ location: at(directive.name), message: weakness });
  }
  if (!csp.directives.has('report-to') && !csp.directives.has('report-uri')) missing.push('report-to');
  if (missing.length > 0 && !csp.unknownDirectives) {
    const onlyReporting = missing.length === 1 && missing[0] === 'report-to';
    problems.push({
      location: csp.site,
      message: `the CSP lacks ${missing.join(', ')}${onlyReporting ? ': violations go unnoticed' : ''}`,
      ...(onlyReporting ? { severity: 'low' as const } : {}),
    });
  }
  return problems;
}
