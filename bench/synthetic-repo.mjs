/**
 * A synthetic monorepo of exactly N discovered files for the `check` benchmark, shaped like a real product
 * repository: a Next.js app (components, route handlers, Server Actions), a FastAPI service (routers,
 * models, services), SQL migrations, workflows, Dockerfiles and compose, docs, images and data files, plus
 * a node_modules tree and a .venv that discovery must skip (not counted). Deterministic: same N, same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const SHA = '11bd71901bbe5b1630ceea73d27597364c9af683';

function write(root, file, text) {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text);
}

const component = (i) => `import { formatDate } from '@/lib/format';
import styles from './card-${i}.module.css';

interface Card${i}Props {
  title: string;
  createdAt: Date;
  items: readonly { id: string; label: string }[];
}

/** Presentational card ${i}: renders what the server gave it, nothing more. */
export function Card${i}({ title, createdAt, items }: Card${i}Props) {
  return (
    <section className={styles.card} aria-label={title}>
      <h2>{title}</h2>
      <time dateTime={createdAt.toISOString()}>{formatDate(createdAt)}</time>
      <ul>
        {items.map((item) => (
          <li key={item.id}>{item.label}</li>
        ))}
      </ul>
    </section>
  );
}
`;

const clientComponent = (i) => `'use client';
import { useState } from 'react';

export function Toggle${i}({ label }: { label: string }) {
  const [open, setOpen] = useState(false);
  return (
    <button type="button" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
      {label} {open ? '−' : '+'}
    </button>
  );
}
`;

const action = (i) => `'use server';
import 'server-only';
import { z } from 'zod';
import { requireSession } from '@/lib/server/session';
import { updateItem } from '@/data/items';

const Input${i} = z.object({ id: z.string().uuid(), label: z.string().min(1).max(200) });

export async function renameItem${i}(formData: FormData) {
  const session = await requireSession();
  const input = Input${i}.parse({ id: formData.get('id'), label: formData.get('label') });
  return updateItem(session, input.id, { label: input.label });
}
`;

const routeHandler = (i) => `import { NextResponse } from 'next/server';
import { requireSession } from '@/lib/server/session';
import { listItems } from '@/data/items';

export async function GET() {
  const session = await requireSession();
  const items = await listItems(session, { page: ${i % 10} });
  return NextResponse.json(items, { headers: { 'Cache-Control': 'private, no-store' } });
}
`;

const pyRouter = (i) => `from fastapi import APIRouter, Depends, Security
from pydantic import BaseModel

from ..security.auth import Principal, get_principal
from ..services.items_${i} import list_items, create_item

router = APIRouter(prefix="/v1/items-${i}", tags=["items-${i}"])


class ItemIn(BaseModel):
    class Config:
        extra = "forbid"

    name: str


@router.get("/")
async def read_items(principal: Principal = Security(get_principal, scopes=["items:read"])):
    return await list_items(principal.tenant_id)


@router.post("/", status_code=201)
async def add_item(body: ItemIn, principal: Principal = Security(get_principal, scopes=["items:write"])):
    return await create_item(principal.tenant_id, body.name)
`;

const pyService = (i) => `"""Item service ${i}: parameterized queries only, the tenant comes from the verified principal."""
from uuid import UUID

from ..db import connection


async def list_items(tenant_id: UUID) -> list[dict]:
    async with connection(tenant_id) as conn:
        rows = await conn.execute("SELECT id, name FROM app.items WHERE tenant_id = %s ORDER BY id LIMIT 100", (tenant_id,))
        return [dict(row) for row in await rows.fetchall()]


async def create_item(tenant_id: UUID, name: str) -> dict:
    async with connection(tenant_id) as conn:
        row = await conn.execute("INSERT INTO app.items (tenant_id, name) VALUES (%s, %s) RETURNING id", (tenant_id, name))
        return {"id": (await row.fetchone())[0], "name": name}
`;

const pyUtil = (i) => `def chunk_${i}(values, size):
    """Yields lists of at most size values."""
    batch = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
`;

const migration = (i) => `CREATE TABLE app.items_${i} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) <= 200)
);
CREATE INDEX items_${i}_tenant_idx ON app.items_${i} (tenant_id);
ALTER TABLE app.items_${i} ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.items_${i} FORCE ROW LEVEL SECURITY;
CREATE POLICY items_${i}_tenant ON app.items_${i}
  USING (tenant_id = current_setting('app.tenant_id', true)::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON app.items_${i} TO app_user;
`;

const workflow = (i) => `name: job-${i}
on:
  pull_request:
  push:
    branches: [main]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: step-security/harden-runner@${SHA} # v2.13.1
        with:
          egress-policy: audit
      - uses: actions/checkout@${SHA} # v5.0.0
        with:
          persist-credentials: false
      - run: npm ci && npm test
`;

const dockerfile = (i) => `# syntax=docker/dockerfile:1
FROM python:3.13-slim@sha256:${'ab'.repeat(32)} AS build
WORKDIR /src
COPY requirements.txt .
RUN --mount=type=secret,id=pipconf,target=/etc/pip.conf,required=false pip install --no-cache-dir --require-hashes -r requirements.txt
FROM python:3.13-slim@sha256:${'ab'.repeat(32)}
COPY --from=build /usr/local /usr/local
COPY app ./app
USER 10001:10001
HEALTHCHECK CMD ["python", "-c", "print(${i})"]
CMD ["python", "-m", "app"]
`;

const markdown = (i) => `# Note ${i}\n\nDesign notes for area ${i}: what it does, why, and who owns it.\n\n- owner: team-${i % 7}\n- status: active\n`;
const json = (i) => `${JSON.stringify({ id: i, name: `fixture-${i}`, tags: ['a', 'b', 'c'], nested: { ok: true, count: i * 3 } }, null, 2)}\n`;
const yamlData = (i) => `id: ${i}\nname: config-${i}\nenabled: true\nlimits:\n  cpu: "500m"\n  memory: 256Mi\n`;
const png = (i) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(400 + (i % 50), i % 256)]);

/** Kinds of file and their share of the repository, in files per 10,000. */
const MIX = [
  ['web/components/card-%.tsx', 2200, component],
  ['web/components/toggle-%.tsx', 600, clientComponent],
  ['web/app/items-%/actions.ts', 150, action],
  ['web/app/api/items-%/route.ts', 150, routeHandler],
  ['api/app/routes/items_%.py', 600, pyRouter],
  ['api/app/services/items_%.py', 600, pyService],
  ['api/app/util/chunk_%.py', 1200, pyUtil],
  ['db/migrations/%_items.up.sql', 300, migration],
  ['.github/workflows/job-%.yml', 50, workflow],
  ['services/svc-%/Dockerfile', 50, dockerfile],
  ['docs/notes/note-%.md', 1800, markdown],
  ['web/public/img/pic-%.png', 1000, png],
  ['data/fixtures/f-%.json', 700, json],
  ['config/c-%.yaml', 390, yamlData],
];

/** Writes the synthetic repository and returns how many files discovery should see. */
export function writeSyntheticRepo(root, fileCount = 10_000) {
  const fixed = {
    'package.json': '{ "name": "synthetic", "private": true, "workspaces": ["web"] }\n',
    'web/package.json': '{ "name": "web", "private": true, "dependencies": { "next": "16.0.7", "react": "19.2.1" } }\n',
    'api/pyproject.toml': '[project]\nname = "api"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.115"]\n',
    '.gitignore': 'node_modules/\n.venv/\n*.log\n',
    'README.md': '# synthetic\n',
  };
  for (const [file, text] of Object.entries(fixed)) write(root, file, text);
  let written = Object.keys(fixed).length;
  const totalShare = MIX.reduce((sum, [, share]) => sum + share, 0);
  for (const [index, [pattern, share, make]] of MIX.entries()) {
    const count = index === MIX.length - 1 ? fileCount - written : Math.round((share / totalShare) * (fileCount - Object.keys(fixed).length));
    for (let i = 0; i < count; i += 1) write(root, pattern.replace('%', String(i).padStart(4, '0')), make(i));
    written += count;
  }
  // Never discovered: dependencies and a virtualenv.
  for (let i = 0; i < 2000; i += 1) write(root, `node_modules/pkg-${i % 40}/lib/m-${i}.js`, `module.exports = ${i};\n`);
  for (let i = 0; i < 500; i += 1) write(root, `.venv/lib/python3.13/site-packages/p${i}.py`, `X = ${i}\n`);
  write(root, '.venv/pyvenv.cfg', 'home = /usr/bin\n');
  return written;
}
