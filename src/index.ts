/** The library API the CLI is a thin layer over. */
export { main } from './cli/main.js';
export { runNew, parseNewArgs, equivalentCommand } from './cli/new.js';
export { runWizard } from './cli/wizard.js';
export { Tree, type PlannedFile, type ChangeKind } from './tree/tree.js';
export { DiskAdapter } from './tree/disk.js';
export { toSafeRelativePath } from './tree/paths.js';
export { deriveNames, projectNameProblem, type ProjectNames } from './answers/names.js';
export { answersSchema, defaultAnswers, LAYER_IDS, CLOUDS, type Answers, type LayerName } from './answers/schema.js';
export { mergeAnswers, finaliseAnswers } from './answers/resolve.js';
export { resolvePreset, type ResolvedPreset, type PresetRef } from './presets/presets.js';
export { renderProject, writeProject, type RenderedProject } from './pipeline/generate.js';
export { MANIFEST_FILE, parseManifest, serializeManifest, sha256, type Manifest } from './manifest/manifest.js';
export { CONTROLS, getControl, controlsForLayers, type Control } from './controls/catalog.js';
export { TRUST_BOUNDARIES, boundariesForLayers } from './controls/boundaries.js';
export { ESCAPE_HELPERS } from './render/escape.js';
export { SecureStackError, UsageError, PathEscapeError, RenderError, CancelledError } from './errors.js';
