/**
 * A repository that passes every CI and OPS-07 check (and, today, every other family's), written unlike our
 * templates (CLI tools instead of some actions, uv instead of pip, read-all, trivy from the command line), to
 * mutate one control at a time.
 * Its security.txt expires relative to NOW: tests that check it fix the clock there (vi.setSystemTime).
 */
import { SHA } from './helpers.js';

export const NOW = new Date('2026-12-01T12:00:00Z');

export const pin = (action: string, version = 'v1.2.3') => `${action}@${SHA} # ${version}`;

const harden = `      - uses: ${pin('step-security/harden-runner', 'v2.13.0')}
        with:
          egress-policy: block
          allowed-endpoints: >
            github.com:443
`;
const checkout = `      - uses: ${pin('actions/checkout', 'v5.0.0')}
        with:
          persist-credentials: false
`;

/** The CI workflow: tests, gates, build, publish with SBOM and attestation, deploy in an environment. */
export const CI_WORKFLOW = `name: CI
on:
  push:
    branches: [main]
  pull_request:
permissions: read-all
env:
  ZIZMOR_VERSION: 1.16.0
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
${harden}${checkout}      - uses: ${pin('astral-sh/setup-uv')}
      - run: uv sync --locked --all-extras
        working-directory: api
      - run: |
          pip install --require-hashes -r requirements/ci.txt
          uv run pytest -q
      - run: npm ci --ignore-scripts && npx --no vitest run
        working-directory: web
  gates:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
      security-events: write
    steps:
${harden}${checkout}      - uses: ${pin('gitleaks/gitleaks-action', 'v2.3.9')}
      - uses: ${pin('actions/dependency-review-action', 'v4.8.0')}
        if: github.event_name == 'pull_request'
      - run: uvx zizmor@1.16.0 --format sarif . > zizmor.sarif
      - uses: ${pin('rhysd/actionlint', 'v1.7.7')}
      - run: docker run --rm -i hadolint/hadolint:v2.12.0@sha256:${'1'.repeat(64)} < api/Dockerfile
      - name: config scan
        run: trivy config --exit-code 1 --severity CRITICAL,HIGH .
  image:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
      packages: write
      id-token: write
      attestations: write
    steps:
${harden}${checkout}      - id: build
        uses: ${pin('docker/build-push-action', 'v6.18.0')}
        with:
          context: api
          push: \${{ github.event_name == 'push' }}
          sbom: true
          tags: ghcr.io/acme/api:\${{ github.sha }}
      - run: trivy image --exit-code=1 --ignore-unfixed ghcr.io/acme/api:\${{ github.sha }}
      - uses: ${pin('actions/attest-build-provenance', 'v3.0.0')}
        with:
          subject-name: ghcr.io/acme/api
          subject-digest: \${{ steps.build.outputs.digest }}
          push-to-registry: true
  release:
    needs: [image]
    runs-on: ubuntu-24.04
    environment:
      name: production
      url: https://app.example.com
    permissions:
      contents: read
      id-token: write
    steps:
${harden}      - run: gh attestation verify oci://ghcr.io/acme/api:\${{ github.sha }} --repo "$GITHUB_REPOSITORY"
        env:
          GH_TOKEN: \${{ github.token }}
      - uses: ${pin('google-github-actions/auth', 'v2.1.10')}
        with:
          workload_identity_provider: \${{ vars.WIF_PROVIDER }}
          service_account: \${{ vars.DEPLOY_SA }}
      - run: gcloud run deploy api --image "ghcr.io/acme/api:$GITHUB_SHA" --region europe-west1
`;

export const CODEQL_WORKFLOW = `name: CodeQL
on:
  push:
  schedule:
    - cron: '0 3 * * 1'
permissions:
  contents: read
jobs:
  analyze:
    runs-on: ubuntu-24.04
    permissions:
      security-events: write
    strategy:
      matrix:
        include:
          - language: python
          - language: javascript
          - language: actions
    steps:
${harden}${checkout}      - uses: ${pin('github/codeql-action/init', 'v3.29.0')}
        with:
          languages: \${{ matrix.language }}
      - uses: ${pin('github/codeql-action/analyze', 'v3.29.0')}
`;

/** The OpenSSF Scorecard the way its README sets it up: results published, so the job signs them with OIDC. */
export const SCORECARD_WORKFLOW = `name: Scorecard supply-chain security
on:
  branch_protection_rule:
  schedule:
    - cron: '20 7 * * 2'
  push:
    branches: ["main"]
permissions: read-all
jobs:
  analysis:
    name: Scorecard analysis
    runs-on: ubuntu-latest
    permissions:
      security-events: write
      id-token: write
    steps:
${harden}${checkout}      - uses: ${pin('ossf/scorecard-action', 'v2.4.4')}
        with:
          results_file: results.sarif
          results_format: sarif
          publish_results: true
      - uses: ${pin('github/codeql-action/upload-sarif', 'v3.29.0')}
        with:
          sarif_file: results.sarif
`;

export const DEPENDABOT = `version: 2
updates:
  - package-ecosystem: "github-actions"
    directory: "/"
    schedule: { interval: weekly }
    cooldown: { default-days: 5 }
  - package-ecosystem: "uv"
    directory: "/api"
    schedule: { interval: weekly }
    cooldown:
      semver-major-days: 30
  - package-ecosystem: "npm"
    directories: ["/web", "/packages/*"]
    schedule: { interval: weekly }
    cooldown: { default-days: 3 }
  - package-ecosystem: "docker"
    directories: ["/api", "/web"]
    schedule: { interval: weekly }
    cooldown: { default-days: 3 }
  - package-ecosystem: "docker-compose"
    directory: "/"
    schedule: { interval: weekly }
    cooldown: { default-days: 3 }
`;

export const CODEOWNERS = `# Security-sensitive paths need a maintainer's review.
*                 @acme/developers
/.github/         @acme/platform
**/Dockerfile     @acme/platform   # images
/db/              ops@example.com
`;

export const SECURITY_TXT = `# Our security contact (RFC 9116)
Contact: mailto:security@example.com
Contact: https://example.com/security
Expires: 2027-06-01T00:00:00.000Z
Preferred-Languages: en, de
`;

/** Every file of the clean repository, by path. */
export function goodRepo(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const files: Record<string, string | undefined> = {
    '.github/workflows/ci.yml': CI_WORKFLOW,
    '.github/workflows/codeql.yml': CODEQL_WORKFLOW,
    '.github/workflows/scorecard.yml': SCORECARD_WORKFLOW,
    '.github/dependabot.yml': DEPENDABOT,
    '.github/CODEOWNERS': CODEOWNERS,
    'SECURITY.md': '# Security policy\n\nReport vulnerabilities to security@example.com.\n',
    'web/public/.well-known/security.txt': SECURITY_TXT,
    'api/pyproject.toml': '[project]\nname = "api"\nversion = "0.1.0"\n',
    'api/uv.lock': 'version = 1\n',
    'api/app/main.py': 'app = None\n',
    'api/Dockerfile': `FROM python:3.12-slim@sha256:${'2'.repeat(64)}\nUSER 10001\nHEALTHCHECK CMD ["python", "-c", "print(1)"]\n`,
    'api/.dockerignore': '.git\n.env*\nnode_modules\n',
    'web/package.json': '{ "name": "web", "private": true }\n',
    'web/package-lock.json': '{}\n',
    'web/app/page.tsx': 'export default function Page() { return null; }\n',
    'web/Dockerfile': `FROM node:22-slim@sha256:${'3'.repeat(64)}\nUSER 10001\nHEALTHCHECK CMD ["node", "-e", "1"]\n`,
    'web/.dockerignore': '.git\n.env*\nnode_modules\n',
    'packages/ui/package.json': '{ "name": "ui" }\n',
    'compose.yaml': 'services:\n  api:\n    build: ./api\n    read_only: true\n    cap_drop: [ALL]\n    security_opt: [no-new-privileges:true]\n',
    'db/migrations/0001_init.sql': 'CREATE SCHEMA app;\n',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(files).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
