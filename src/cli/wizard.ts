/**
 * The interactive wizard: one clack group, defaults preselected from the merged answers, locked and
 * explicitly given answers not asked again. Cancelling at any prompt ends with CancelledError (exit 130)
 * before anything is written. Streams are injectable so tests drive it without a terminal.
 */
import * as prompts from '@clack/prompts';
import type { Readable, Writable } from 'node:stream';
import { projectNameProblem } from '../answers/names.js';
import {
  CLOUDS,
  LAYER_IDS,
  issuerProblem,
  normaliseSecurityContact,
  securityContactProblem,
  type AnswerKey,
  type Answers,
  type Cloud,
  type LayerName,
} from '../answers/schema.js';
import { CancelledError } from '../errors.js';
import { LAYERS } from '../layers/registry.js';

export interface WizardStreams {
  input: Readable;
  output: Writable;
}

export interface WizardResult {
  answers: Partial<Answers>;
  install: boolean;
}

export interface WizardInput {
  values: Partial<Answers>;
  /** Keys the wizard must not ask: locked by a preset or given by a flag or the answers file. */
  fixed: Set<AnswerKey>;
  /** undefined: ask; a boolean: given by --install/--no-install. */
  install: boolean | undefined;
  streams: WizardStreams;
}

const CLOUD_LABELS: Record<Cloud, string> = {
  aws: 'AWS (OIDC role)',
  gcp: 'Google Cloud (Workload Identity Federation)',
  azure: 'Azure (federated credential)',
  none: 'None yet (deploy job left out)',
};

export async function runWizard({ values, fixed, install, streams }: WizardInput): Promise<WizardResult> {
  const io = { input: streams.input, output: streams.output };
  const ask = (key: AnswerKey): boolean => !fixed.has(key);
  const messageOf = (problem: string | undefined): string | undefined => problem;

  prompts.intro('create-secure-stack', io);
  const results = await prompts.group(
    {
      projectName: () =>
        values.projectName !== undefined
          ? undefined
          : prompts.text({
              ...io,
              message: 'Project name (also the folder it is created in)',
              placeholder: 'my-app',
              validate: (value) => messageOf(projectNameProblem(value ?? '')),
            }),
      layers: () =>
        ask('layers')
          ? prompts.multiselect<LayerName>({
              ...io,
              message: 'Layers to generate',
              options: LAYER_IDS.map((id) => ({ value: id, label: LAYERS[id].title, hint: LAYERS[id].summary })),
              initialValues: values.layers ?? [...LAYER_IDS],
              required: true,
            })
          : undefined,
      multiTenant: () =>
        ask('multiTenant')
          ? prompts.confirm({
              ...io,
              message: 'Multi-tenant (tenant claim in tokens, row-level security per tenant)?',
              initialValue: values.multiTenant ?? true,
            })
          : undefined,
      cloud: () =>
        ask('cloud')
          ? prompts.select<Cloud>({
              ...io,
              message: 'Cloud for OIDC deploys',
              options: CLOUDS.map((cloud) => ({ value: cloud, label: CLOUD_LABELS[cloud] })),
              initialValue: values.cloud ?? 'none',
            })
          : undefined,
      oidcIssuer: () =>
        ask('oidcIssuer')
          ? prompts.text({
              ...io,
              message: 'OIDC issuer URL (the identity provider that signs access tokens)',
              initialValue: values.oidcIssuer ?? '',
              validate: (value) => messageOf(issuerProblem(value ?? '')),
            })
          : undefined,
      oidcAudience: ({ results: previous }) =>
        ask('oidcAudience')
          ? prompts.text({
              ...io,
              message: 'OIDC audience of the API (the "aud" its access tokens carry)',
              initialValue:
                values.oidcAudience ?? `${previous.projectName ?? values.projectName ?? 'app'}-api`,
              validate: (value) =>
                /^[\x21-\x7e]{1,200}$/.test(value ?? '') ? undefined : 'printable ASCII without spaces, at most 200 characters',
            })
          : undefined,
      securityContact: () =>
        ask('securityContact')
          ? prompts.text({
              ...io,
              message: 'Security contact for SECURITY.md and security.txt (e-mail or https URL)',
              initialValue: values.securityContact ?? '',
              validate: (value) => messageOf(securityContactProblem(normaliseSecurityContact(value ?? ''))),
            })
          : undefined,
      install: () =>
        install === undefined
          ? prompts.confirm({ ...io, message: 'Install dependencies now?', initialValue: false })
          : undefined,
    },
    {
      onCancel: () => {
        prompts.cancel('Cancelled; nothing was written.', io);
        throw new CancelledError();
      },
    },
  );

  const answers: Partial<Answers> = { ...values };
  for (const key of ['projectName', 'layers', 'multiTenant', 'cloud', 'oidcIssuer', 'oidcAudience', 'securityContact'] as const) {
    const value = results[key];
    if (value !== undefined) (answers as Record<string, unknown>)[key] = value;
  }
  return { answers, install: install ?? results.install === true };
}
