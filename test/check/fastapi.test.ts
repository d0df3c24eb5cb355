/** FastAPI family: inline true positives and negatives per control, robustness, the generated stack and one mutation per control, and a tutorial-style app. */
import { cpSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastapiFamily, isFastapiPath } from '../../src/check/checks/fastapi.js';
import { isActive } from '../../src/check/finding.js';
import { CHECK_FAMILIES } from '../../src/check/registry.js';
import { checkRepository } from '../../src/check/run.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { generateProject } from '../support/project.js';
import { lineOf, positionOf, writeRepo } from './helpers.js';
import { mutator } from './mutation.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function run(files: Record<string, string>) {
  const dir = writeRepo(files);
  dirs.push(dir);
  return checkRepository(dir, [fastapiFamily]);
}

/** [file, line, column] of every finding of one control that counts (not suppressed). */
function check(files: Record<string, string>, controlId: string) {
  return run(files)
    .findings.filter((f) => f.controlId === controlId && isActive(f))
    .map((f) => [f.file, f.line, f.column]);
}
const py = (text: string, controlId: string, file = 'app/main.py') => check({ [file]: text }, controlId);

/** An app with every app-level control on, to add routes and calls to. */
const GOOD_APP = `import os

from fastapi import Depends, FastAPI, Security
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app.security import get_principal, limit_body


async def on_error(request, exc):
    return {"error": "internal"}


app = FastAPI(openapi_url=None, dependencies=[Security(get_principal)])
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"])
app.add_exception_handler(Exception, on_error)


@app.middleware("http")
async def limit(request, call_next):
    if int(request.headers.get("content-length", "0")) > 1_000_000:
        return limit_body()
    return await call_next(request)
`;

describe('registry', () => {
  it('the family is registered and evaluates these API controls, each documented', () => {
    expect(CHECK_FAMILIES).toContain(fastapiFamily);
    expect(fastapiFamily.checks.map((c) => c.controlId)).toEqual(['API-01', 'API-02', 'API-03', 'API-05', 'API-07', 'API-08', 'API-10', 'API-11', 'API-12', 'API-15']);
    for (const c of fastapiFamily.checks) expect(c.docs.length > 80 && c.fix.length > 40).toBe(true);
  });
});

describe('file selection', () => {
  it('reads Python sources, not tests', () => {
    expect(['app/main.py', 'api/app/routes/items.py', 'main.py'].every(isFastapiPath)).toBe(true);
    expect(['tests/test_x.py', 'api/tests/helpers.py', 'app/test_main.py', 'app/main_test.py', 'conftest.py', 'test/x.py', 'app/main.pyc', 'app/x.txt'].some(isFastapiPath)).toBe(false);
  });
  it('a test file may decode without verification', () => {
    const bad = 'import jwt\nclaims = jwt.decode(token, options={"verify_signature": False})\n';
    expect(check({ 'api/tests/test_auth.py': bad, 'conftest.py': bad }, 'API-01')).toEqual([]);
  });
});

describe('API-01 JWT algorithms', () => {
  it('flags a decode without algorithms, disabled signatures, none, HS* and header-chosen algorithms', () => {
    const text = `import jwt
from jose import jwt as jose_jwt
from jwt import decode as jwt_decode


def a(token, key):
    return jwt.decode(token, key)


def b(token, key):
    return jwt.decode(token, key, algorithms=["RS256", "HS256"])


def c(token):
    return jwt.decode(token, options={"verify_signature": False})


def d(token, key):
    header = jwt.get_unverified_header(token)
    return jwt.decode(token, key, algorithms=[header["alg"]])


def e(token, key):
    return jose_jwt.decode(token, key, algorithms=["none"])


def f(token, key):
    return jwt_decode(token, key, "HS512")


def g(token, key):
    return jwt.decode(token, key, verify=False)
`;
    expect(py(text, 'API-01')).toEqual([
      ['app/main.py', ...positionOf(text, 'jwt.decode(token, key)')],
      ['app/main.py', ...positionOf(text, '"HS256"')],
      ['app/main.py', ...positionOf(text, '"verify_signature": False')],
      ['app/main.py', ...positionOf(text, '[header["alg"]]')],
      ['app/main.py', ...positionOf(text, '"none"')],
      ['app/main.py', ...positionOf(text, '"HS512"')],
      ['app/main.py', ...positionOf(text, 'verify=False')],
    ]);
  });
  it('follows algorithm constants into other modules', () => {
    const security = 'import jwt\n\nSECRET_KEY = "x"\nALGORITHM = "HS256"\n';
    const deps = `import jwt\nfrom app.core import security\nfrom app.core.security import ALGORITHM\n\n\ndef current(token):\n    jwt.decode(token, security.SECRET_KEY, algorithms=[security.ALGORITHM])\n    return jwt.decode(token, security.SECRET_KEY, algorithms=ALGORITHM)\n`;
    expect(check({ 'app/core/security.py': security, 'app/core/__init__.py': '', 'app/deps.py': deps }, 'API-01')).toEqual([
      ['app/deps.py', ...positionOf(deps, 'security.ALGORITHM')],
      ['app/deps.py', ...positionOf(deps, 'ALGORITHM)')],
    ]);
  });
  it('accepts fixed asymmetric lists (inline, constants, tuples) and lists from settings; ignores other decode()', () => {
    const text = `import base64
import jwt
from jose import jwt as jose

ALGORITHMS = ("ES256", "RS256")
ES = "ES256"


def verify(token: str, key, settings):
    jwt.decode(token, key, algorithms=["ES256"])
    jwt.decode(token, key, algorithms=ALGORITHMS)
    jwt.decode(token, key, algorithms=[ES, "EdDSA"])
    jwt.decode(token, key, algorithms=settings.jwt_algorithms)
    jose.decode(token, key, algorithms="RS256")
    token.encode().decode("utf-8")
    base64.b64decode(token)
    header = jwt.get_unverified_header(token)
    if header["alg"] not in settings.jwt_algorithms:
        raise ValueError("alg")
`;
    expect(py(text, 'API-01')).toEqual([]);
  });
});

describe('API-02 signing keys', () => {
  it('flags a plain-http JWKS URL and reads of jku/x5u/jwk/x5c from the token header', () => {
    const text = `import jwt
from jwt import PyJWKClient

JWKS = "http://idp.example.com/.well-known/jwks.json"
client = PyJWKClient(JWKS)
other = jwt.PyJWKClient(f"http://{host}/jwks")


def key_for(token):
    header = jwt.get_unverified_header(token)
    url = header["jku"]
    chain = jwt.get_unverified_header(token).get("x5c")
    return PyJWKClient(url), chain
`;
    expect(py(text, 'API-02')).toEqual([
      ['app/main.py', ...positionOf(text, 'JWKS)')],
      ['app/main.py', ...positionOf(text, 'f"http://')],
      ['app/main.py', ...positionOf(text, 'header["jku"]')],
      ['app/main.py', ...positionOf(text, 'jwt.get_unverified_header(token).get')],
    ]);
  });
  it('accepts https and settings URLs, kid lookups and claims named like headers', () => {
    const text = `import jwt

client = jwt.PyJWKClient("https://idp.example.com/jwks", cache_keys=True)
settings_client = jwt.PyJWKClient(settings.jwks_uri)


def key_for(token, claims):
    header = jwt.get_unverified_header(token)
    return client.get_signing_key(header["kid"]), claims["jwk"], claims.get("jku")
`;
    expect(py(text, 'API-02')).toEqual([]);
  });
});

describe('API-03 claims', () => {
  it('flags missing audience/issuer/required claims, disabled claim checks and a long leeway', () => {
    const text = `from datetime import timedelta

import jwt
from jose import jwt as jose


def a(token, key):
    return jwt.decode(token, key, algorithms=["RS256"])


def b(token, key):
    return jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience="api",
        issuer="https://idp.example.com",
        leeway=timedelta(minutes=5),
        options={"require": ["exp", "iat", "sub"], "verify_aud": False},
    )


def c(token, key):
    return jose.decode(token, key, algorithms=["RS256"], audience="api", issuer="https://idp", options={"leeway": 120, "require_exp": True})
`;
    expect(py(text, 'API-03')).toEqual([
      ['app/main.py', ...positionOf(text, 'jwt.decode(token, key, algorithms')],
      ['app/main.py', ...positionOf(text, 'leeway=timedelta')],
      ['app/main.py', ...positionOf(text, '"verify_aud": False')],
      ['app/main.py', ...positionOf(text, 'jose.decode')],
      ['app/main.py', ...positionOf(text, '"leeway": 120')],
    ]);
  });
  it('accepts a complete call (PyJWT and python-jose styles), options from a local dict, and **kwargs it cannot see', () => {
    const text = `import jwt
from jose import jwt as jose

OPTIONS = {"require": ["exp", "iat", "sub", "nbf"], "verify_aud": True}


def verify(token, key, settings, **extra):
    jwt.decode(token, key, algorithms=["ES256"], audience=settings.audience, issuer=settings.issuer, leeway=30, options=OPTIONS)
    jose.decode(token, key, algorithms=["ES256"], audience="api", issuer="https://idp",
                options={"require_exp": True, "require_iat": True, "require_sub": True, "leeway": 10})
    jwt.decode(token, key, algorithms=["ES256"], options=settings.jwt_options, audience="a", issuer="i")
    jwt.decode(token, key, algorithms=["ES256"], **extra)
`;
    expect(py(text, 'API-03')).toEqual([]);
  });
});

describe('API-05 route authentication', () => {
  it('flags routes without an auth decision on the route, the router or the app', () => {
    const text = `from fastapi import APIRouter, Depends, FastAPI

from app.db import get_db

app = FastAPI()
router = APIRouter(prefix="/v1")


@app.get("/")
def root():
    return {"hello": "world"}


@router.post("/items", status_code=201)
async def create(db=Depends(get_db)):
    return {}


def listing():
    return []


router.add_api_route("/list", listing)
app.include_router(router)
`;
    expect(py(text, 'API-05')).toEqual([
      ['app/main.py', ...positionOf(text, '@app.get')],
      ['app/main.py', ...positionOf(text, '@router.post')],
      ['app/main.py', ...positionOf(text, 'router.add_api_route')],
    ]);
  });
  it('accepts auth on the route, the router, the app, the include, through aliases and dependency chains, and public routes', () => {
    const deps = `from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPBearer

bearer = HTTPBearer()


def get_session():
    yield None


def load_caller(credentials=Depends(bearer)):
    return credentials


def public():
    """Marks a route as public on purpose."""


Caller = Annotated[dict, Depends(load_caller)]
SessionDep = Annotated[object, Depends(get_session)]
`;
    const routes = `from fastapi import APIRouter, Depends, Security

from app.deps import Caller, SessionDep, load_caller, public
from . import verify

router = APIRouter()
admin = APIRouter(dependencies=[Depends(verify.check)])
open_router = APIRouter()


@router.get("/a")
def a(caller: Caller, session: SessionDep):
    return {}


@router.get("/b", dependencies=[Depends(load_caller)])
def b():
    return {}


@router.get("/c")
def c(principal=Security(load_caller, scopes=["c:read"])):
    return {}


@admin.delete("/d")
def d():
    return {}


@open_router.get("/healthz")
def healthz():
    return {}


@open_router.get("/version", dependencies=[Depends(public)])
def version():
    return {}


# secure-stack: ignore[API-05] the login form is where tokens come from
@open_router.post("/login")
def login(session: SessionDep):
    return {}


@open_router.get("/e")
def e():
    return {}
`;
    const verify = `from fastapi import Header


def check(x_api_key: str = Header()):
    return x_api_key
`;
    const main = `from fastapi import Depends, FastAPI

from app.routes import router, admin, open_router
from app.deps import load_caller

app = FastAPI()
app.include_router(router)
app.include_router(admin)
app.include_router(open_router, dependencies=[Depends(load_caller)])
`;
    const secured = `from fastapi import Depends, FastAPI


async def verify(token: str):
    return token


app = FastAPI(dependencies=[Depends(verify)])


@app.get("/anything")
def anything():
    return {}
`;
    const findings = check({ 'app/deps.py': deps, 'app/routes.py': routes, 'app/verify.py': verify, 'app/main.py': main, 'other/main.py': secured }, 'API-05');
    // /d: verify.check is neither named nor built like authentication.
    expect(findings).toEqual([['app/routes.py', ...positionOf(routes, '@admin.delete')]]);
  });
  it('follows nested routers and includes across modules: a router included without auth anywhere is flagged', () => {
    const items = `from fastapi import APIRouter

router = APIRouter()


@router.get("/items")
def items():
    return []
`;
    const api = `from fastapi import APIRouter, Depends

from app.deps import get_current_user
from app.routes import items

api_router = APIRouter()
api_router.include_router(items.router, prefix="/items")
`;
    const main = (deps: string) => `from fastapi import FastAPI

from app.api import api_router
from fastapi import Depends
from app.deps import get_current_user

app = FastAPI()
app.include_router(api_router${deps})
`;
    const deps = 'def get_current_user():\n    return None\n';
    const files = { 'app/routes/items.py': items, 'app/api.py': api, 'app/deps.py': deps, 'app/__init__.py': '', 'app/routes/__init__.py': '' };
    expect(check({ ...files, 'app/main.py': main('') }, 'API-05')).toEqual([['app/routes/items.py', ...positionOf(items, '@router.get')]]);
    expect(check({ ...files, 'app/main.py': main(', dependencies=[Depends(get_current_user)]') }, 'API-05')).toEqual([]);
  });
  it('does not evaluate routes of apps it cannot find (Flask, unknown objects)', () => {
    const text = `from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "hi"
`;
    expect(py(text, 'API-05')).toEqual([]);
  });
  it('finds apps built in a factory and routes on them', () => {
    const text = `from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/status")
    def status():
        return {}

    return app
`;
    expect(py(text, 'API-05')).toEqual([['app/main.py', ...positionOf(text, '@app.get')]]);
  });
});

describe('API-07 CORS', () => {
  it('flags wildcard origins (critical with credentials), origin regexes and wildcard methods/headers with credentials', () => {
    const text = `from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware import Middleware

origins = ["https://app.example.com", "*"]

app = FastAPI(middleware=[Middleware(CORSMiddleware, allow_origins=["*"])])
app.add_middleware(
    CORSMiddleware,
    allow_origins=origins,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://.*\\.example\\.com")
`;
    const result = run({ 'app/main.py': text }).findings.filter((f) => f.controlId === 'API-07');
    expect(result.map((f) => [f.line, f.column, f.severity])).toEqual([
      [...positionOf(text, '"*"'), 'critical'],
      [...positionOf(text, '"*"', { after: 'Middleware(CORS' }), 'high'],
      [...positionOf(text, '"*"', { after: 'allow_methods' }), 'high'],
      [...positionOf(text, '"*"', { after: 'allow_headers' }), 'high'],
      [...positionOf(text, 'allow_origin_regex'), 'high'],
    ]);
  });
  it('accepts explicit origins with credentials, and lists from settings', () => {
    const text = `from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Authorization", "Content-Type"],
)
app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_origin_regex=None)
`;
    expect(py(text, 'API-07')).toEqual([]);
  });
});

describe('API-08 trusted hosts', () => {
  it('flags an app without TrustedHostMiddleware and a wildcard host list', () => {
    const bare = 'from fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n';
    expect(py(bare, 'API-08')).toEqual([['app/main.py', 3, 7]]);
    const wildcard = 'from fastapi import FastAPI\nfrom starlette.middleware.trustedhost import TrustedHostMiddleware\n\napp = FastAPI()\napp.add_middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com", "*"])\n';
    expect(py(wildcard, 'API-08')).toEqual([['app/main.py', ...positionOf(wildcard, '"*"')]]);
  });
  it('accepts the middleware added in another module, a subclass, middleware=[...], a wrapper, and mounted sub-apps', () => {
    const main = 'from fastapi import FastAPI\n\napp = FastAPI()\nsub = FastAPI()\napp.mount("/sub", sub)\n';
    const setup = 'from app.main import app\nfrom app.hosts import Hosts\n\napp.add_middleware(Hosts, allowed_hosts=["api.example.com"])\n';
    const hosts = 'from starlette.middleware.trustedhost import TrustedHostMiddleware\n\n\nclass Hosts(TrustedHostMiddleware):\n    pass\n';
    const listed = 'from fastapi import FastAPI\nfrom starlette.middleware import Middleware\nfrom starlette.middleware.trustedhost import TrustedHostMiddleware\n\napp = FastAPI(middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["a.example"])])\n';
    const wrapped = 'from starlette.applications import Starlette\nfrom starlette.middleware.trustedhost import TrustedHostMiddleware\n\napp = Starlette()\nasgi = TrustedHostMiddleware(app, allowed_hosts=["a.example"])\n';
    const files = { 'app/main.py': main, 'app/setup.py': setup, 'app/hosts.py': hosts, 'listed/main.py': listed, 'wrapped/main.py': wrapped };
    expect(check(files, 'API-08')).toEqual([]);
    // The apps were found: the mounted one apart, each lacks a body limit.
    expect(check(files, 'API-10')).toEqual([['app/main.py', 3, 7], ['listed/main.py', 5, 7], ['wrapped/main.py', 4, 7]]);
  });
});

describe('app factories', () => {
  it('follows `app = create_app()` into the factory, whether it returns a variable or the constructor call', () => {
    const factory = 'from fastapi import FastAPI\n\n\ndef create_app() -> FastAPI:\n    app = FastAPI(openapi_url=None)\n    return app\n\n\ndef create_admin():\n    return FastAPI(openapi_url=None)\n';
    const main = `from starlette.middleware.trustedhost import TrustedHostMiddleware

from app.factory import create_admin, create_app

app = create_app()
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"])
admin = create_admin()
admin.add_middleware(TrustedHostMiddleware, allowed_hosts=["*"])
`;
    expect(check({ 'app/factory.py': factory, 'app/main.py': main }, 'API-08')).toEqual([['app/main.py', ...positionOf(main, '"*"')]]);
  });
});

describe('API-10 body size', () => {
  it('flags an app without a body limit', () => {
    const text = 'from fastapi import FastAPI\nfrom starlette.middleware.gzip import GZipMiddleware\n\napp = FastAPI()\napp.add_middleware(GZipMiddleware)\n';
    expect(py(text, 'API-10')).toEqual([['app/main.py', 4, 7]]);
  });
  it('accepts max_body_size, a limit middleware by name or by what it reads, and an http middleware that reads content-length', () => {
    const sized = 'from fastapi import FastAPI\n\napp = FastAPI(max_body_size=1024 * 1024)\n';
    const named = 'from fastapi import FastAPI\nfrom asgi_limits import ContentSizeLimitMiddleware\n\napp = FastAPI()\napp.add_middleware(ContentSizeLimitMiddleware, max_content_size=1_000_000)\n';
    const own = 'from fastapi import FastAPI\nfrom c.guard import Guard\n\napp = FastAPI()\napp.add_middleware(Guard)\n';
    const guard = 'class Guard:\n    """ASGI middleware."""\n\n    def __init__(self, app):\n        self.app = app\n\n    async def __call__(self, scope, receive, send):\n        headers = dict(scope["headers"])\n        if int(headers.get(b"content-length", b"0")) > 1 << 20:\n            raise ValueError()\n        await self.app(scope, receive, send)\n';
    const files = { 'a/main.py': sized, 'b/main.py': named, 'c/main.py': own, 'c/guard.py': guard, 'd/main.py': GOOD_APP };
    expect(check(files, 'API-10')).toEqual([]);
    // The apps were found: all but GOOD_APP lack trusted hosts.
    expect(check(files, 'API-08').map(([file]) => file)).toEqual(['a/main.py', 'b/main.py', 'c/main.py']);
    expect(run({ 'd/main.py': GOOD_APP }).findings).toEqual([]);
  });
});

describe('API-11 errors', () => {
  it('flags debug=True, app.debug = True, a missing catch-all handler and handlers that leak the exception', () => {
    const text = `import traceback

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.exceptions import RequestValidationError

app = FastAPI(debug=True)
app.debug = True


@app.exception_handler(ValueError)
async def value_error(request: Request, exc: ValueError):
    return JSONResponse({"detail": str(exc)}, status_code=400)


async def validation(request, exc):
    return PlainTextResponse(f"invalid: {exc}", status_code=422)


async def crash(request, exc):
    return JSONResponse({"trace": traceback.format_exc()}, status_code=500)


app.add_exception_handler(RequestValidationError, validation)
app.add_exception_handler(KeyError, crash)
`;
    expect(py(text, 'API-11')).toEqual([
      ['app/main.py', ...positionOf(text, 'FastAPI(debug')],
      ['app/main.py', ...positionOf(text, 'debug=True')],
      ['app/main.py', ...positionOf(text, 'app.debug')],
      ['app/main.py', ...positionOf(text, 'str(exc)')],
      ['app/main.py', ...positionOf(text, '{exc}')],
      ['app/main.py', ...positionOf(text, 'traceback.format_exc()')],
    ]);
  });
  it('accepts a catch-all from a dict in another module, a 500 handler, @app.exception_handler(Exception), and HTTPException details', () => {
    const errors = `from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse


async def http_error(request, exc):
    return JSONResponse({"detail": exc.detail, "text": str(exc)}, status_code=exc.status_code)


async def unexpected(request, exc):
    logger.exception("unhandled", exc_info=exc)
    return JSONResponse({"error": "internal", "request_id": request.state.request_id}, status_code=500)


HANDLERS = {HTTPException: http_error, Exception: unexpected}
`;
    const a = 'from fastapi import FastAPI\nfrom app.errors import HANDLERS\n\napp = FastAPI(exception_handlers={**HANDLERS})\n';
    const b = 'from starlette.applications import Starlette\nfrom app.errors import unexpected\n\napp = Starlette(exception_handlers={500: unexpected})\n';
    const c = 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.exception_handler(Exception)\nasync def anything(request, exc):\n    return {"error": "internal"}\n';
    expect(check({ 'app/errors.py': errors, 'app/a.py': a, 'app/b.py': b, 'app/c.py': c }, 'API-11')).toEqual([]);
  });
});

describe('API-12 docs in production', () => {
  it('flags a default or fixed openapi_url', () => {
    const text = 'from fastapi import FastAPI\n\nOPENAPI = "/openapi.json"\n\napp = FastAPI(title="x")\nv1 = FastAPI(openapi_url=f"{PREFIX}/openapi.json")\nv2 = FastAPI(docs_url=None, openapi_url=OPENAPI)\n';
    expect(py(text, 'API-12')).toEqual([
      ['app/main.py', ...positionOf(text, 'FastAPI(title')],
      ['app/main.py', ...positionOf(text, 'openapi_url=f')],
      ['app/main.py', ...positionOf(text, 'openapi_url=OPENAPI')],
    ]);
  });
  it('accepts None, a condition and a settings value', () => {
    const text = `from fastapi import FastAPI

a = FastAPI(openapi_url=None)
b = FastAPI(openapi_url="/openapi.json" if settings.env == "development" else None, docs_url="/docs")
c = FastAPI(openapi_url=settings.openapi_url)
d = FastAPI(**settings.fastapi_kwargs)
`;
    expect(py(text, 'API-12')).toEqual([]);
  });
});

describe('API-15 request models and SQL', () => {
  it('flags request-body models that do not forbid extra fields (also in another module), once per model', () => {
    const models = `from pydantic import BaseModel, ConfigDict, Extra
from sqlmodel import SQLModel


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemIn(BaseModel):
    name: str


class Loose(Strict):
    model_config = ConfigDict(extra="allow")


class Inherits(Strict):
    name: str


class V1(BaseModel):
    class Config:
        extra = Extra.forbid


class Table(SQLModel):
    title: str
`;
    const routes = `from typing import Annotated, List

from fastapi import APIRouter, Body, Depends, Query, Security

from app.auth import get_principal
from app.models import Inherits, ItemIn, Loose, Table, V1

router = APIRouter(dependencies=[Security(get_principal)])


@router.post("/items")
def create(item: ItemIn, other: Annotated[Loose, Body()]):
    return item


@router.put("/items")
def update(item: ItemIn, fine: Inherits, v1: V1, tables: List[Table], filters: ItemIn = Depends(), q: Annotated[ItemIn, Query()] = None):
    return item
`;
    expect(check({ 'app/models.py': models, 'app/routes.py': routes }, 'API-15')).toEqual([
      ['app/models.py', ...positionOf(models, 'ItemIn')],
      ['app/models.py', ...positionOf(models, 'Loose')],
      ['app/models.py', ...positionOf(models, 'Table')],
    ]);
  });
  it('flags SQL built with f-strings, %, .format() and + that reaches execute(), text() or sql.SQL()', () => {
    const text = `from psycopg import sql
from sqlalchemy import text


def run(cursor, session, name, table):
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    query = "DELETE FROM items WHERE id = %s" % name
    cursor.execute(query)
    session.execute(text("SELECT * FROM t WHERE a = {}".format(name)))
    cursor.executemany("INSERT INTO t VALUES ('" + name + "')", [])
    cursor.execute(sql.SQL(f"SELECT * FROM {table}"))
`;
    expect(py(text, 'API-15')).toEqual([
      ['app/main.py', ...positionOf(text, 'f"SELECT * FROM users')],
      ['app/main.py', ...positionOf(text, '"DELETE FROM items')],
      ['app/main.py', ...positionOf(text, '"SELECT * FROM t WHERE a = {}"')],
      ['app/main.py', ...positionOf(text, '"INSERT INTO')],
      ['app/main.py', ...positionOf(text, 'f"SELECT * FROM {table}')],
    ]);
  });
  it('accepts parameters, constants, composed identifiers and execute() of things that are not SQL', () => {
    const text = `from psycopg import sql
from sqlalchemy import text

LIST = "SELECT id FROM items WHERE tenant = %s"


def run(cursor, session, executor, name, table):
    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    cursor.execute(LIST, (name,))
    session.execute(text("SELECT * FROM t WHERE a = :a"), {"a": name})
    cursor.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
    cursor.execute("SELECT 1 " "FROM dual")
    executor.execute(f"job-{name}")
`;
    expect(py(text, 'API-15')).toEqual([]);
  });
});

describe('robustness', () => {
  it('a file with a syntax error becomes a note, other files are still checked', () => {
    const result = run({ 'app/broken.py': 'from fastapi import FastAPI\n\ndef f(:\n    pass\n', 'app/templated.py': 'import jwt\nfrom {{ cookiecutter.package }} import app\n', 'app/ok.py': 'import jwt\njwt.decode(t, k)\n' });
    expect(result.notes.map((n) => [n.file, n.line])).toEqual([['app/broken.py', 3], ['app/templated.py', 2]]);
    expect(result.findings.map((f) => [f.controlId, f.file])).toEqual([['API-01', 'app/ok.py'], ['API-03', 'app/ok.py']]);
  });
  it('files that mention nothing relevant are not parsed; empty, comment-only and odd files are fine', () => {
    const result = run({ 'app/util.py': 'def f():\n    return 1\n', 'app/empty.py': '', 'app/comment.py': '# fastapi\n', 'app/cycle_a.py': 'from app.cycle_b import x as y\nfrom fastapi import Depends\n', 'app/cycle_b.py': 'from app.cycle_a import y as x\nfrom fastapi import Depends\n' });
    expect(result.findings).toEqual([]);
    expect(result.notes).toEqual([]);
  });
  it('parses only files that can matter: a broken file is noted only when the prefilter lets it through', () => {
    const result = run({
      'app/util.py': 'def f(:\n    return 1\n',
      'app/repo.py': 'def rows(cursor):\n    cursor.execute("SELECT id FROM t WHERE a = %s", (1,)\n',
      'app/built.py': 'def rows(cursor, a):\n    cursor.execute(f"SELECT id FROM t WHERE a = {a}"\n',
      'app/api.py': 'from fastapi import FastAPI\napp = FastAPI(\n',
    });
    expect(result.notes.map((n) => n.file).sort()).toEqual(['app/api.py', 'app/built.py']);
  });
  it('finds SQL built in a module that imports nothing (no framework word in it)', () => {
    const text = 'def rows(cursor, name):\n    return cursor.execute("SELECT * FROM t WHERE name = \'%s\'" % name)\n\n\ndef more(cursor, name):\n    return cursor.execute("SELECT * FROM t WHERE name = \'" + name + "\'")\n';
    expect(py(text, 'API-15', 'app/repo.py')).toEqual([['app/repo.py', 2, 27], ['app/repo.py', 6, 27]]);
  });
  it('reads 2,400 Python files shaped like a real service without a false positive (speed: bench/check.mjs)', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 800; i += 1) {
      files[`api/app/routes/items_${i}.py`] = `from fastapi import APIRouter, Security\nfrom pydantic import BaseModel\n\nfrom ..security.auth import Principal, get_principal\nfrom ..services.items_${i} import list_items\n\nrouter = APIRouter(prefix="/v1/items-${i}")\n\n\nclass ItemIn(BaseModel, extra="forbid"):\n    name: str\n\n\n@router.get("/")\nasync def read_items(principal: Principal = Security(get_principal, scopes=["items:read"])):\n    return await list_items(principal.tenant_id)\n\n\n@router.post("/", status_code=201)\nasync def add_item(body: ItemIn, principal: Principal = Security(get_principal, scopes=["items:write"])):\n    return body\n`;
      files[`api/app/services/items_${i}.py`] = `async def list_items(conn, tenant_id):\n    rows = await conn.execute("SELECT id, name FROM app.items WHERE tenant_id = %s ORDER BY id LIMIT 100", (tenant_id,))\n    return [dict(row) for row in await rows.fetchall()]\n`;
      files[`api/app/util/chunk_${i}.py`] = `def chunk_${i}(values, size):\n    batch = []\n    for value in values:\n        batch.append(value)\n        if len(batch) == size:\n            yield batch\n            batch = []\n    if batch:\n        yield batch\n`;
    }
    const dir = writeRepo(files);
    dirs.push(dir);
    const result = checkRepository(dir, [fastapiFamily]);
    expect(result.findings).toEqual([]);
    expect(result.filesChecked).toBe(2400);
  });
  it('cyclic imports and self-referencing routers do not loop', () => {
    const a = 'from fastapi import APIRouter\nfrom app.b import router as other\n\nrouter = APIRouter()\nrouter.include_router(other)\n\n\n@router.get("/a")\ndef a():\n    return 1\n';
    const b = 'from fastapi import APIRouter\nfrom app.a import router as other\n\nrouter = APIRouter()\nrouter.include_router(other)\nrouter = router\n';
    expect(check({ 'app/a.py': a, 'app/b.py': b }, 'API-05')).toEqual([['app/a.py', 8, 1]]);
  });
  it('columns count characters after non-ASCII text', () => {
    const text = 'import jwt\n\n# déjà vu — ok\nx = "é"; claims = jwt.decode(t, k, algorithms=["HS256"], audience="a", issuer="i", options={"require": ["exp", "iat", "sub"]})\n';
    expect(py(text, 'API-01')).toEqual([['app/main.py', 4, 48]]);
  });
});

// ---- The generated stack ----------------------------------------------------------------------------

let generated: string;
beforeAll(async () => {
  generated = (await generateProject({})).dir;
  dirs.push(generated);
});

const { mutateFile } = mutator({ source: () => generated, dirs, controls: /^API-/ });

const FACTORY = 'api/app/factory.py';
const TOKENS = 'api/app/security/tokens.py';

describe('generated full stack', () => {
  it('has no API finding and no note for its Python files', () => {
    const result = checkRepository(generated);
    expect(result.findings.filter((f) => f.controlId.startsWith('API-'))).toEqual([]);
    expect(result.notes.filter((n) => n.file.endsWith('.py'))).toEqual([]);
  });
  it('a single-tenant stack has no API finding either', async () => {
    const single = (await generateProject({ multiTenant: false })).dir;
    dirs.push(single);
    expect(checkRepository(single, [fastapiFamily]).findings).toEqual([]);
  });
  it('API-01: jwt.decode without algorithms=', () => {
    const { text, found } = mutateFile(TOKENS, (t) => t.replace('                algorithms=self._algorithms,\n', ''));
    expect(found).toEqual([['API-01', TOKENS, lineOf(text, 'jwt.decode(')]]);
  });
  it('API-02: the token header names where keys come from', () => {
    const { text, found } = mutateFile(TOKENS, (t) => t.replace('        kid = header.get("kid")\n', '        kid = header.get("kid")\n        key_url = header.get("jku")\n'));
    expect(found).toEqual([['API-02', TOKENS, lineOf(text, 'header.get("jku")')]]);
  });
  it('API-03: jwt.decode without audience=', () => {
    const { text, found } = mutateFile(TOKENS, (t) => t.replace('                audience=self._audience,\n', ''));
    expect(found).toEqual([['API-03', TOKENS, lineOf(text, 'jwt.decode(')]]);
  });
  it('API-05: /v1/me loses its auth dependency', () => {
    const file = 'api/app/routes/me.py';
    const { text, found } = mutateFile(file, (t) => t.replace('def me(principal: Principal = Security(require_principal)) -> Dict[str, Any]:', 'def me(principal: Principal) -> Dict[str, Any]:'));
    expect(found).toEqual([['API-05', file, lineOf(text, '@router.get("/me"')]]);
  });
  it('API-07: a wildcard CORS origin', () => {
    const { text, found } = mutateFile(FACTORY, (t) => t.replace('allow_origins=list(settings.cors_allowed_origins),', 'allow_origins=["*"],'));
    expect(found).toEqual([['API-07', FACTORY, lineOf(text, 'allow_origins=["*"]')]]);
  });
  it('API-08: TrustedHosts removed', () => {
    const { text, found } = mutateFile(FACTORY, (t) => t.replace('    app.add_middleware(TrustedHosts, allowed_hosts=list(settings.allowed_hosts))\n', ''));
    expect(found).toEqual([['API-08', FACTORY, lineOf(text, 'app = FastAPI(')]]);
  });
  it('API-10: the body size limit removed', () => {
    const { text, found } = mutateFile(FACTORY, (t) => t.replace('    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)\n', ''));
    expect(found).toEqual([['API-10', FACTORY, lineOf(text, 'app = FastAPI(')]]);
  });
  it('API-11: debug=True', () => {
    const { text, found } = mutateFile(FACTORY, (t) => t.replace('debug=False,', 'debug=True,'));
    expect(found).toEqual([['API-11', FACTORY, lineOf(text, 'debug=True')]]);
  });
  it('API-11: the catch-all handler removed from the handler table', () => {
    const file = 'api/app/security/errors.py';
    const { found } = mutateFile(file, (t) => t.replace('    Exception: unhandled_exception_handler,\n', ''));
    const factory = readFileSync(path.join(generated, FACTORY), 'utf8');
    expect(found).toEqual([['API-11', FACTORY, lineOf(factory, 'app = FastAPI(')]]);
  });
  it('API-12: the OpenAPI schema always on', () => {
    const { text, found } = mutateFile(FACTORY, (t) => t.replace('openapi_url=OPENAPI_URL if docs else None,', 'openapi_url=OPENAPI_URL,'));
    expect(found).toEqual([['API-12', FACTORY, lineOf(text, 'openapi_url=OPENAPI_URL,')]]);
  });
  it('API-15: a request model that accepts extra fields', () => {
    const file = 'api/app/models.py';
    const { text, found } = mutateFile(file, (t) => t.replace('class ProjectCreate(BaseModel, extra="forbid"):', 'class ProjectCreate(BaseModel):'));
    expect(found).toEqual([['API-15', file, lineOf(text, 'class ProjectCreate')]]);
  });
  it('API-15: SQL built with an f-string', () => {
    const file = 'api/app/routes/projects.py';
    const { text, found } = mutateFile(file, (t) => t.replace('cursor.execute(LIST_SQL)', 'cursor.execute(f"select id, name, created_at from app.projects where name = \'{principal.sub}\'")'));
    expect(found).toEqual([['API-15', file, lineOf(text, 'cursor.execute(f"')]]);
  });
});

// ---- A repository this tool did not generate ----------------------------------------------------------

describe('a tutorial-style todo API (test/check/fixtures/fastapi/todo-api)', () => {
  it('gets exactly the findings its code deserves, at the right places', () => {
    const fixture = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures/fastapi/todo-api');
    const dir = makeTempDir('secure-stack-todo-');
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const source = (file: string) => readFileSync(path.join(fixture, file), 'utf8');
    const main = source('app/main.py');
    const deps = source('app/dependencies.py');
    const items = source('app/routers/items.py');
    const users = source('app/routers/users.py');
    const schemas = source('app/schemas.py');
    const result = checkRepository(dir, [fastapiFamily]);
    expect(result.notes).toEqual([]);
    expect(result.findings.map((f) => [f.controlId, f.file, f.line, f.column, f.severity, ...(f.suppression ? [f.suppression.reason] : [])])).toEqual([
      // HS256, from a constant in app/core/security.py; no audience, issuer or required claims.
      ['API-03', 'app/dependencies.py', ...positionOf(deps, 'jwt.decode('), 'high'],
      ['API-01', 'app/dependencies.py', ...positionOf(deps, 'security.ALGORITHM'), 'critical'],
      // The app: no trusted hosts, no body limit, no catch-all handler, docs on; wildcard CORS with credentials.
      ['API-08', 'app/main.py', ...positionOf(main, 'FastAPI('), 'medium'],
      ['API-10', 'app/main.py', ...positionOf(main, 'FastAPI('), 'medium'],
      ['API-11', 'app/main.py', ...positionOf(main, 'FastAPI('), 'medium'],
      ['API-12', 'app/main.py', ...positionOf(main, 'FastAPI('), 'low'],
      ['API-07', 'app/main.py', ...positionOf(main, '"*"'), 'critical'],
      ['API-07', 'app/main.py', ...positionOf(main, '"*"', { after: 'allow_methods' }), 'high'],
      ['API-07', 'app/main.py', ...positionOf(main, '"*"', { after: 'allow_headers' }), 'high'],
      // "/" is not a health path; /health is.
      ['API-05', 'app/main.py', ...positionOf(main, '@app.get("/")'), 'critical'],
      // The items router is included without auth: listing and search are open; the SQL search is injectable.
      ['API-05', 'app/routers/items.py', ...positionOf(items, '@router.get("/"'), 'critical'],
      ['API-05', 'app/routers/items.py', ...positionOf(items, '@router.get("/search")'), 'critical'],
      ['API-15', 'app/routers/items.py', ...positionOf(items, 'f"SELECT'), 'critical'],
      // Login is public and says why; sign-up is public but does not say so.
      ['API-05', 'app/routers/users.py', ...positionOf(users, '@router.post("/token")'), 'critical', 'the login form is public: it is where tokens come from'],
      ['API-05', 'app/routers/users.py', ...positionOf(users, '@router.post("/users")'), 'critical'],
      // Request bodies that accept unknown fields; UserCreate even lets a client make itself admin.
      ['API-15', 'app/schemas.py', ...positionOf(schemas, 'ItemCreate'), 'critical'],
      ['API-15', 'app/schemas.py', ...positionOf(schemas, 'UserCreate'), 'critical'],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1])) || Number(a[2]) - Number(b[2]) || Number(a[3]) - Number(b[3]) || String(a[0]).localeCompare(String(b[0]))));
  });
});
