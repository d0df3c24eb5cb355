/** The Debian 13 chroot helper: a tiny FastAPI app and its pytest file, run on trixie's own packages. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from './cli.js';
import { debian13Root, parsePytestSummary, runPytestInDebian13 } from './debian13.js';
import { skipOrFail } from './tools.js';

const NO_ROOT =
  'no usable Debian 13 root: needs uid 0 (chroot) and a root built by `bash .ci/debian13-root.sh` (SECURE_STACK_DEBIAN13_ROOT or the default cache path)';

const APP_PY = `from fastapi import Depends, FastAPI
from pydantic import BaseModel


class Greeting(BaseModel):
    name: str
    message: str


def current_user() -> str:
    return "alice"


app = FastAPI()


@app.get("/greet/{name}", response_model=Greeting)
def greet(name: str, user: str = Depends(current_user)) -> Greeting:
    return Greeting(name=name, message=f"hello {name}, from {user}")
`;

const TEST_APP_PY = `import http.server
import json
import os
import threading

import fastapi
import httpx
import pydantic
from fastapi.testclient import TestClient

from app import app

HERE = os.path.dirname(os.path.abspath(__file__))


def test_debian13_generation():
    major, minor = (int(part) for part in fastapi.__version__.split(".")[:2])
    assert (major, minor) >= (0, 115), fastapi.__version__
    assert pydantic.VERSION.startswith("2."), pydantic.VERSION


def test_route_with_depends_and_model():
    response = TestClient(app).get("/greet/bob")
    assert response.status_code == 200
    assert response.json() == {"name": "bob", "message": "hello bob, from alice"}


def test_loopback_and_isolation():
    with open(os.path.join(HERE, "host_dir.txt"), encoding="utf-8") as f:
        host_dir = f.read().strip()
    assert not os.path.exists(host_dir), "the host's project directory is visible inside the chroot"

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"keys": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
        assert httpx.get(url, timeout=5).json() == {"keys": []}
    finally:
        server.shutdown()
        server.server_close()


def test_deliberately_fails():
    assert 1 + 1 == 3, f"deliberate failure in {os.getcwd()} on fastapi {fastapi.__version__} pydantic {pydantic.VERSION}"
`;

describe('parsePytestSummary', () => {
  it.each([
    ['..F.\n1 failed, 3 passed in 0.12s', { passed: 3, failed: 1 }],
    ['=========== 2 passed, 1 error in 0.30s ===========', { passed: 2, failed: 1 }],
    ['3 failed, 2 errors in 1.00s', { passed: 0, failed: 5 }],
    ['5 passed, 2 warnings in 61.02s (0:01:01)', { passed: 5, failed: 0 }],
    ['3 passed, 2 deselected in 0.05s', { passed: 3, failed: 0 }],
    ['1 skipped in 0.01s', { passed: 0, failed: 0 }],
    ['no tests ran in 0.01s', { passed: 0, failed: 0 }],
    ['E   AssertionError: 9 passed in 1s would be wrong\n2 failed, 7 passed in 0.50s\n', { passed: 7, failed: 2 }],
    ['Traceback (most recent call last):\nImportError: no module named pytest', { passed: 0, failed: 0 }],
  ])('%j', (stdout, expected) => {
    expect(parsePytestSummary(stdout)).toEqual(expected);
  });
});

describe('runPytestInDebian13', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('secure-stack-debian13-');
    mkdirSync(path.join(dir, 'api'));
    writeFileSync(path.join(dir, 'api/app.py'), APP_PY);
    writeFileSync(path.join(dir, 'api/test_app.py'), TEST_APP_PY);
    writeFileSync(path.join(dir, 'api/host_dir.txt'), `${dir}\n`);
  });
  afterEach(() => removeDir(dir));

  it('refuses a project without the subdirectory', async () => {
    await expect(runPytestInDebian13('/nonexistent-root', dir, 'missing')).rejects.toThrow(/no directory to test/);
  });

  it("runs pytest on trixie's FastAPI 0.115+ and pydantic 2, counts passes and failures, removes the copy", async (context) => {
    const root = debian13Root();
    if (root === undefined) {
      skipOrFail(context, NO_ROOT);
      return;
    }
    const run = await runPytestInDebian13(root, dir);
    expect({ exitCode: run.exitCode, passed: run.passed, failed: run.failed }, run.stdout + run.stderr).toEqual({
      exitCode: 1,
      passed: 3,
      failed: 1,
    });
    const match = /deliberate failure in (\/tmp\/secure-stack-pytest-\S+) on fastapi (\d+)\.(\d+)\S* pydantic (\d+)\./.exec(
      run.stdout,
    );
    expect(match, run.stdout).not.toBeNull();
    const [, inside = '', major = '', minor = '', pydanticMajor = ''] = match ?? [];
    expect(Number(major) > 0 || Number(minor) >= 115, `fastapi ${major}.${minor}`).toBe(true);
    expect(pydanticMajor).toBe('2');
    expect(existsSync(path.join(root, inside)), 'the copy inside the root is removed').toBe(false);
    expect(existsSync(path.join(dir, 'api/test_app.py')), 'the original is untouched').toBe(true);
  }, 120_000);

  it('passes extra pytest arguments through', async (context) => {
    const root = debian13Root();
    if (root === undefined) {
      skipOrFail(context, NO_ROOT);
      return;
    }
    const run = await runPytestInDebian13(root, dir, 'api', ['-k', 'not deliberately']);
    expect({ exitCode: run.exitCode, passed: run.passed, failed: run.failed }, run.stdout + run.stderr).toEqual({
      exitCode: 0,
      passed: 3,
      failed: 0,
    });
  }, 120_000);
});
