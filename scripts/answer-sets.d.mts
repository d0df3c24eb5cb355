// Types of scripts/answer-sets.mjs for the TypeScript tests that import it.
import type { RenderInput } from '../src/pipeline/generate.js';

export function answerSetRenderInputs(root: string, layerIds: readonly string[]): Array<{ name: string; input: RenderInput }>;

export function writeOrCheck(target: string, text: string, options: { check: boolean; root: string; script: string }): void;
