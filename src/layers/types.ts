import type { Answers, LayerName } from '../answers/schema.js';
import type { ProjectNames } from '../answers/names.js';
import type { Control } from '../controls/catalog.js';
import type { TrustBoundary } from '../controls/boundaries.js';

/** Everything a template can see. Values reach files only through the escaping helpers. */
export interface RenderContext {
  tool: { name: string; version: string };
  names: ProjectNames;
  answers: Answers;
  /** `has.api`, `has.web`…: which layers were chosen. */
  has: Record<LayerName, boolean>;
  /** The chosen layers, in canonical order, with where each lives. */
  layers: Array<{ id: LayerName; title: string; summary: string; directory: string; generated: boolean }>;
  date: {
    /** YYYY-MM-DD of generation (the manifest keeps it, so re-rendering is reproducible). */
    generatedOn: string;
    /** RFC 9116 Expires for security.txt: under a year after generatedOn. */
    securityTxtExpires: string;
    /** When the threat model is next due for review. */
    nextReview: string;
  };
  catalog: {
    controls: Control[];
    boundaries: TrustBoundary[];
    assets: Array<{ name: string; why: string }>;
  };
}

/**
 * A layer: its metadata, and (when this version generates it) how its templates under
 * templates/<id>/ are placed. Adding a layer touches src/layers/<id>/, templates/<id>/ and test/layers/<id>/.
 */
export interface LayerDefinition {
  id: LayerName | 'base';
  title: string;
  summary: string;
  /** The folder of the generated repo this layer owns ('' for the repo root). */
  directory: string;
  /** Whether this version of the tool has templates for it. */
  generated: boolean;
  /** Extra values this layer's templates see, derived from the shared context. */
  context?(base: RenderContext): Record<string, unknown>;
  /** Where a rendered file goes in this project, or undefined to leave it out. Default: where it is. */
  place?(outputPath: string, context: RenderContext): string | undefined;
}
