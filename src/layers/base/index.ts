import type { LayerDefinition } from '../types.js';

/** Files every generated repository has, whatever layers it chose: README, ignore files, editor settings. */
export const baseLayer: LayerDefinition = {
  id: 'base',
  title: 'Repository',
  summary: 'README, .gitignore, .editorconfig',
  directory: '',
  generated: true,
};
