/**
 * FastAPI applications: Python sources parsed with tree-sitter-python (nothing is imported or run), for API-01,
 * API-02, API-03, API-05, API-07, API-08, API-10, API-11, API-12 and API-15.
 *
 * Files: every `*.py` except tests (`tests/` or `test/` directories, `test_*.py`, `*_test.py`, `conftest.py`):
 * tests decode tokens without verification and build apps without middleware on purpose. A file is parsed only
 * when its text passes a cheap prefilter (FRAMEWORK_TEXT, or a SQL sink with a way to build strings, below);
 * a file with a Python syntax error gets a note and is not checked.
 *
 * What one file says is checked in `scan` (JWT decoding, CORS, docs URLs, debug, error handlers, SQL strings).
 * What needs several files is checked in `finish`: which app or router a route, `include_router`,
 * `add_middleware` or exception handler belongs to, following the repository's own imports (absolute imports by
 * module-path suffix, relative imports from the importing file), `app = create_app()` factories, dependencies
 * and pydantic models defined in other modules, and constants imported from them. Values that come from the
 * environment or a settings object are not guessed: a check that needs one assumes the configuration is right.
 */
import type { Location } from '../finding.js';
import type { CheckFamily, CheckSpec, Emitter, SourceFile } from '../registry.js';
import {
  argumentsOf,
  calleeOf,
  childrenOf,
  descendantsOf,
  dottedName,
  elementsOf,
  firstSyntaxError,
  isFalse,
  isInterpolatedString,
  isNone,
  isStringLiteral,
  isTrue,
  lastSegment,
  positionOf,
  pythonQuery,
  stringValue,
  withPythonTree,
  wordsOf,
  type CallArguments,
  type Position,
  type PyNode,
  type PyQuery,
} from '../python-syntax.js';

const PYTHON_PATH = /\.py$/;
const TEST_PATH = /(^|\/)tests?\/|(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/;
/**
 * Prefilters on the raw text, before parsing (parsing is most of the cost). A file is parsed when it mentions
 * the framework or JWTs (it may hold apps, routes, dependencies, models, handler tables or constants other
 * modules import), or when it mentions a SQL sink and some way to build a string (f-string prefix, .format(,
 * +, or a % that can be the formatting operator). A file that fails both cannot hold a finding; what the cross-file
 * checks follow into it (a handler table, a constant) would have to be named unlike anything above to be missed.
 */
const FRAMEWORK_TEXT = /fastapi|starlette|jwt|jwk|jose|pydantic|sqlmodel|basemodel|depends|security|apirouter|middleware|handler|content-length|include_router|algorithm/i;
const SQL_SINK_TEXT = /execute|sqlalchemy|psycopg/;
const STRING_BUILDING_TEXT = /(^|[^\w])([fF][rRbB]?|[rRbB][fF])["']|\.format\b|\+|["'\w)\]}]\s*%\s*[\w("'[{~-]/;

const FASTAPI_CLASSES = new Set(['fastapi.FastAPI', 'fastapi.applications.FastAPI']);
const STARLETTE_CLASSES = new Set(['starlette.applications.Starlette']);
const ROUTER_CLASSES = new Set(['fastapi.APIRouter', 'fastapi.routing.APIRouter']);
const DECODE_FUNCTIONS = new Set(['jwt.decode', 'jwt.decode_complete', 'jwt.api_jwt.decode', 'jwt.api_jwt.decode_complete', 'jose.jwt.decode']);
const ROUTE_DECORATORS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace', 'api_route', 'route', 'websocket', 'websocket_route']);
const ROUTE_REGISTRATIONS = new Set(['add_api_route', 'add_api_websocket_route', 'add_route', 'add_websocket_route']);
/** Methods called on an app or router that the cross-file checks follow. */
const OWNER_METHODS = new Set(['include_router', 'add_middleware', 'add_exception_handler', 'mount', ...ROUTE_REGISTRATIONS]);
/** Parameter markers that make a pydantic-typed parameter something other than the request body. */
const NOT_BODY = new Set(['Depends', 'Security', 'Query', 'Path', 'Header', 'Cookie', 'Form', 'File']);
const CALLS = new Set(['call']);
const STRINGS = new Set(['string']);
const MARKER_TEXT = /\b(Depends|Security|Query|Path|Header|Cookie|Form|File)\b/;
const ASYMMETRIC_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES256K', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'Ed448']);
/** Token header members that name a key or where to fetch one: the token's sender chooses them. */
const KEY_HEADERS = new Set(['jku', 'x5u', 'jwk', 'x5c']);
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub'];
const MAX_LEEWAY_SECONDS = 60;
/** Liveness and readiness paths: public by nature, for orchestrators and load balancers. */
const PUBLIC_PATHS = new Set(['/health', '/healthz', '/healthcheck', '/livez', '/readyz', '/live', '/ready', '/liveness', '/readiness', '/ping']);
/** The authentication schemes of fastapi.security: as dependencies they demand credentials. */
const AUTH_SCHEMES = new Set(['HTTPBasic', 'HTTPBearer', 'HTTPDigest', 'OAuth2', 'OAuth2PasswordBearer', 'OAuth2AuthorizationCodeBearer', 'APIKeyHeader', 'APIKeyQuery', 'APIKeyCookie', 'OpenIdConnect']);
const AUTH_WORDS = new Set(['auth', 'authenticate', 'authenticated', 'authentication', 'authorize', 'authorized', 'authorization', 'authn', 'authz', 'principal', 'permission', 'permissions', 'jwt', 'token', 'bearer', 'oauth', 'oauth2', 'apikey', 'login', 'credentials', 'scopes']);
const AUTH_FIRST_WORDS = new Set(['require', 'requires', 'verify']);
const CURRENT_SUBJECTS = new Set(['user', 'principal', 'account', 'identity', 'member', 'admin', 'superuser', 'subject']);
const SQL_WORDS = /\b(select|insert|update|delete|create|drop|alter|with|grant|revoke|truncate|merge|call|copy|values|from|where|set)\b/i;

// ---- Checks -------------------------------------------------------------------------------------------

const CHECKS: readonly CheckSpec[] = [
  {
    controlId: 'API-01',
    docs:
      'Every jwt.decode / jwt.decode_complete of PyJWT and jose.jwt.decode of python-jose (however imported) must pass algorithms=, and no option may turn signature verification off (options={"verify_signature": False}, verify=False). The algorithm list is flagged when its values are known (literals, or constants of the repository) and include none, an HS* algorithm (alone or mixed with asymmetric ones, which opens HS/RS key confusion) or anything else that is not an asymmetric JWS algorithm, and when it is taken from the token header (get_unverified_header(...)["alg"]). A list read from settings or the environment is not evaluated here.',
    fix: 'Verify with a fixed asymmetric allowlist from configuration, e.g. `jwt.decode(token, key, algorithms=["RS256"], ...)` (or ES256), never the token\'s own alg, never HS* next to RS*, never verify_signature=False.',
  },
  {
    controlId: 'API-02',
    docs:
      'Flags PyJWKClient(...) given a plain http:// JWKS URL (a literal or a constant of the same file), and any read of the key-bearing token header members jku, x5u, jwk or x5c (`header["jku"]`, `header.get("x5u")`) from get_unverified_header(...) or a variable named like a header: the token\'s sender chooses those keys.',
    fix: 'Fetch keys only from the configured https JWKS URI (PyJWKClient(settings.jwks_uri)), select them by kid, and ignore jku, x5u, jwk and x5c.',
  },
  {
    controlId: 'API-03',
    docs:
      'For every verifying jwt.decode / jose.jwt.decode call: flags a call without audience= or issuer=, or whose options do not require exp, iat and sub (PyJWT `options={"require": [...]}`, python-jose `require_exp`/`require_iat`/`require_sub`); flags verify_exp, verify_aud, verify_iss, verify_nbf or verify_iat set to False, and a leeway above 60 seconds. Options built elsewhere than a literal dict of the same file are not evaluated, nor is a call that passes **kwargs.',
    fix: 'Pass `audience=settings.audience, issuer=settings.issuer, leeway=30` (at most 60) and `options={"require": ["exp", "iat", "sub"]}`, and never turn the exp/aud/iss/nbf/iat checks off.',
  },
  {
    controlId: 'API-05',
    docs:
      'Every route of a FastAPI app or APIRouter (@app.get/post/…, api_route, websocket, add_api_route) must state an auth decision through a dependency: on the route (dependencies=[...] or a Depends/Security parameter, also through Annotated aliases), on its router, on the app, or on every include_router(...) that mounts its router (followed across modules and nested routers). Security(...) always counts; Depends(x) counts when x is named like authentication (get_current_user, require_*, verify_*, *auth*, *token*, *principal*, *permission*, *jwt*, *bearer*, api key), is a fastapi.security scheme (HTTPBearer, OAuth2PasswordBearer, APIKeyHeader, …), or is a function of the repository that itself depends on one. Public on purpose: a dependency named like public/anonymous (e.g. `dependencies=[Depends(public)]`, as the generated API marks its health route) or a liveness/readiness path (/health, /healthz, /livez, /readyz, /ping, …); any other public route (login, sign-up) takes a reasoned `# secure-stack: ignore[API-05] reason` on the line above its decorator. The finding is at the route decorator. Authentication done only in a middleware (Starlette AuthenticationMiddleware, an @app.middleware("http") check) is not recognised, and routes of apps or routers whose construction this check cannot find (Flask, routers from libraries) are not evaluated.',
    fix: 'Add an auth dependency to the route or its router, e.g. `principal: Principal = Security(get_principal, scopes=["items:read"])` or `APIRouter(dependencies=[Security(get_principal)])`; state a deliberately public route with `dependencies=[Depends(public)]` (a no-op dependency) or `# secure-stack: ignore[API-05] why it is public`.',
  },
  {
    controlId: 'API-07',
    docs:
      'For CORSMiddleware (add_middleware, Middleware(...) or a direct wrapper): flags "*" in allow_origins (critical with allow_credentials=True), any allow_origin_regex, and "*" in allow_methods or allow_headers together with allow_credentials=True. Lists from a constant of the same file are followed; lists from settings are not evaluated.',
    fix: 'List the exact origins (`allow_origins=settings.cors_origins` with https origins), explicit methods and headers, and no allow_origin_regex; never combine a wildcard with allow_credentials=True.',
  },
  {
    controlId: 'API-08',
    docs:
      'Every FastAPI()/Starlette() app that is not mounted inside another app must register TrustedHostMiddleware (or a subclass defined in the repository), by add_middleware, middleware=[Middleware(...)] or a wrapper, in any module; allowed_hosts must not contain "*".',
    fix: 'Add `app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)` with the real host names.',
  },
  {
    controlId: 'API-10',
    docs:
      'Every FastAPI()/Starlette() app that is not mounted inside another app needs a request body limit: FastAPI(max_body_size=...), or a registered middleware (add_middleware, Middleware(...), wrapper or @app.middleware("http")) that is named like one (BodySizeLimit, ContentSizeLimit, MaxBodySize, RequestSizeLimit, …) or whose code reads the content-length header. A limit only at the reverse proxy is not visible here. Multipart max_files/max_fields are not evaluated.',
    fix: 'Set `FastAPI(max_body_size=1024 * 1024)` where available, or register an ASGI middleware that answers 413 past 1 MiB (Content-Length and streamed bodies), and keep a proxy limit (client_max_body_size).',
  },
  {
    controlId: 'API-11',
    docs:
      'Flags FastAPI(debug=True) / Starlette(debug=True) and `app.debug = True`; an app with no catch-all handler (exception_handlers={Exception: ...} or 500, add_exception_handler(Exception, ...), @app.exception_handler(Exception)), followed through dicts imported from other modules; and an exception handler (other than for HTTPException) whose response or return value carries str(exc), repr(exc), an f-string of exc, exc.args or a traceback.',
    fix: 'Keep debug=False, register `app.add_exception_handler(Exception, handler)` that logs the error and returns a generic body with a request id, and never put exception text or tracebacks in responses.',
  },
  {
    controlId: 'API-12',
    docs:
      'Flags FastAPI(...) whose openapi_url is left at its default or set to a fixed path (a literal or a constant): the schema, and /docs and /redoc with it, are then served in every environment. None, or a value chosen by a condition (`"/openapi.json" if settings.docs_enabled else None`) or read from settings, passes. docs_url and redoc_url need no check of their own: without openapi_url FastAPI serves neither.',
    fix: 'Pass `openapi_url="/openapi.json" if settings.env == "development" else None` (and the same for docs_url and redoc_url).',
  },
  {
    controlId: 'API-15',
    docs:
      'Flags a pydantic model (a repository class deriving from BaseModel or SQLModel) used as a route\'s request body whose configuration does not forbid extra fields (class keyword extra="forbid", model_config = ConfigDict(extra="forbid"), or pydantic 1 `class Config: extra = Extra.forbid`, also inherited); and SQL built by an f-string, % formatting, .format() or + concatenation that reaches execute/executemany/executescript/exec_driver_sql, sqlalchemy text() or psycopg sql.SQL(), directly or through a variable of the same function. Models used only as query, form or header parameters are not evaluated.',
    fix: 'Give request models `model_config = ConfigDict(extra="forbid")` (or `class M(BaseModel, extra="forbid")`) and bounded fields; pass values as query parameters (`cursor.execute("... where id = %s", (item_id,))`, `text("... :id").bindparams(id=item_id)`), compose identifiers with psycopg.sql.Identifier.',
  },
];

// ---- Facts one file states, for the cross-file checks --------------------------------------------------

type Scope = string;

/** A dotted name as written, to be resolved in the scope where it was written. */
interface Ref {
  scope: Scope;
  name: string;
}

type Dep = { kind: 'security' } | { kind: 'depends'; target?: Ref } | { kind: 'annotation'; target: Ref };

interface AppSite {
  kind: 'fastapi' | 'starlette';
  module: ModuleFacts;
  at: Position;
  deps: Dep[];
  middleware: MiddlewareUse[];
  handlerKeys: string[];
  handlerSplats: Ref[];
  maxBodySize: boolean;
}

interface RouterSite {
  module: ModuleFacts;
  at: Position;
  deps: Dep[];
}

interface MiddlewareUse {
  module: ModuleFacts;
  /** The app it is added to; undefined when it is part of the app's own middleware= list. */
  owner?: Ref;
  cls: Ref;
  hostWildcard?: Position;
}

interface BodyParam {
  types: Ref[];
}

interface RouteUse {
  owner: Ref;
  label: string;
  path?: string;
  deps: Dep[];
  at: Position;
  bodies: BodyParam[];
}

interface IncludeUse {
  owner: Ref;
  target: Ref;
  deps: Dep[];
}

interface FunctionFact {
  name: string;
  deps: Dep[];
  returns: Ref[];
  returnedSites: Array<AppSite | RouterSite>;
}

interface ClassFact {
  name: string;
  bases: Ref[];
  extra?: string;
  readsContentLength: boolean;
  at: Position;
}

interface AssignmentFact {
  deps: Dep[];
  callee?: Ref;
  alias?: Ref;
  constant?: string[];
  dictKeys: string[];
  dictSplats: Ref[];
  site?: AppSite | RouterSite;
}

interface ImportFact {
  /** Absolute module name (relative imports are resolved against the importing file's package). */
  module: string;
  /** Exact (from a relative import) or to be matched as a suffix of a repository module path. */
  exact: boolean;
  /** The imported member (`from m import name`); undefined for `import m`. */
  name?: string;
}

interface AlgorithmValue {
  at: Position;
  value?: string;
  /** A name whose constant value (a string or a list of strings) holds the algorithm(s). */
  ref?: Ref;
}

interface ModuleFacts {
  path: string;
  /** Dotted module path of the file from the repository root (`api/app/main.py` → api.app.main). */
  name: string;
  imports: Map<string, ImportFact>;
  starImports: ImportFact[];
  assignments: Map<string, AssignmentFact[]>;
  functions: Map<string, FunctionFact>;
  classes: Map<string, ClassFact>;
  apps: AppSite[];
  middleware: MiddlewareUse[];
  routes: RouteUse[];
  includes: IncludeUse[];
  handlers: Array<{ owner: Ref; exception: string }>;
  httpMiddleware: Array<{ owner: Ref; limitsBody: boolean }>;
  mounts: Array<{ owner: Ref; target: Ref }>;
  debug: Array<{ owner: Ref; at: Position }>;
  decodes: Array<{ at: Position; algorithms: AlgorithmValue[] }>;
}

const bindingKey = (scope: Scope, name: string) => `${scope}\u0000${name}`;

function moduleNameOf(path: string): string {
  return path.replace(/\.py$/, '').replace(/(^|\/)__init__$/, '').split('/').filter(Boolean).join('.');
}

function packageOf(path: string): string {
  const name = moduleNameOf(path);
  return /(^|\/)__init__\.py$/.test(path) ? name : name.split('.').slice(0, -1).join('.');
}

// ---- Reading one file ---------------------------------------------------------------------------------

// Compiling a query takes milliseconds, so each waits for the first file that needs it; every capture costs a
// node handed over from wasm, so subscripts (for API-02) are only queried in files that mention a key header.
let mainQuery: PyQuery | undefined;
let subscriptQuery: PyQuery | undefined;
function statementsQuery(): PyQuery {
  mainQuery ??= pythonQuery(`
(import_statement) @import
(import_from_statement) @import
(assignment) @assignment
(call) @call
(decorated_definition) @decorated
(function_definition) @function
(class_definition) @class
(return_statement) @return
`);
  return mainQuery;
}
function subscriptsQuery(): PyQuery {
  subscriptQuery ??= pythonQuery('(subscript) @subscript');
  return subscriptQuery;
}
const KEY_HEADER_TEXT = /jku|x5u|jwk|x5c/;
const APP_TEXT = /FastAPI|APIRouter|Starlette/;

function bodyScopeOf(definition: PyNode): Scope {
  return `${definition.type === 'class_definition' ? 'c' : 'f'}${definition.startIndex}`;
}

type Report = (controlId: string, node: PyNode | Position, message: string, severity?: 'critical') => void;

class ModuleReader {
  readonly facts: ModuleFacts;
  /** Right-hand sides of `name = value` by scope and name (the last one wins), for values written in this file. */
  private readonly values = new Map<string, PyNode>();
  private readonly functionNodes = new Map<string, PyNode>();
  private readonly functionsByStart = new Map<number, FunctionFact>();
  private readonly assignmentsByStart = new Map<number, AssignmentFact>();
  private readonly handlerFunctions: Array<{ name: string; exception: string }> = [];
  private readonly reportedSql = new Set<number>();
  private readonly captures = new Map<string, PyNode[]>();
  /** Function and class bodies by position, innermost last among those containing a point. */
  private readonly scopes: Array<{ start: number; end: number; key: Scope }> = [];
  private readonly parameterCache = new Map<number, { deps: Dep[]; bodies: BodyParam[]; withBodies: boolean }>();
  private readonly mentionsKeyHeaders: boolean;
  /** The importing file's package, as parts, for relative imports. */
  private package: string[] | undefined;

  constructor(
    private readonly file: SourceFile,
    root: PyNode,
    private readonly report: Report,
  ) {
    this.facts = {
      path: file.path,
      name: moduleNameOf(file.path),
      imports: new Map(),
      starImports: [],
      assignments: new Map(),
      functions: new Map(),
      classes: new Map(),
      apps: [],
      middleware: [],
      routes: [],
      includes: [],
      handlers: [],
      httpMiddleware: [],
      mounts: [],
      debug: [],
      decodes: [],
    };
    this.mentionsKeyHeaders = KEY_HEADER_TEXT.test(file.text);
    for (const query of [statementsQuery(), ...(this.mentionsKeyHeaders ? [subscriptsQuery()] : [])]) {
      for (const capture of query.captures(root)) {
        const list = this.captures.get(capture.name) ?? [];
        list.push(capture.node);
        this.captures.set(capture.name, list);
      }
    }
    for (const definition of [...this.captured('function'), ...this.captured('class')]) {
      this.scopes.push({ start: definition.startIndex, end: definition.endIndex, key: bodyScopeOf(definition) });
    }
    this.scopes.sort((a, b) => a.start - b.start);
  }

  /** Where a name used by this node binds: '' for the module, else the innermost function or class body around it. */
  private scopeOf(node: PyNode): Scope {
    const index = node.startIndex;
    let key = '';
    for (const scope of this.scopes) {
      if (scope.start >= index) break;
      if (index < scope.end) key = scope.key;
    }
    return key;
  }

  private captured(name: string): PyNode[] {
    return this.captures.get(name) ?? [];
  }

  read(): ModuleFacts {
    for (const node of this.captured('import')) this.readImport(node);
    for (const node of this.captured('assignment')) this.readAssignment(node);
    for (const node of this.captured('function')) this.readFunction(node);
    for (const node of this.captured('class')) this.readClass(node);
    // Only a function that returns an app or a router matters (`app = create_app()`).
    if (APP_TEXT.test(this.file.text)) for (const node of this.captured('return')) this.readReturn(node);
    for (const node of this.captured('call')) this.readCall(node);
    for (const node of this.captured('decorated')) this.readDecorated(node);
    for (const node of this.captured('subscript')) this.readSubscript(node);
    this.checkHandlers();
    return this.facts;
  }

  // -- names and values

  private readImport(node: PyNode): void {
    if (node.type === 'import_statement') {
      for (const name of node.childrenForFieldName('name')) {
        if (!name) continue;
        if (name.type === 'aliased_import') {
          const module = dottedName(name.childForFieldName('name'));
          const alias = name.childForFieldName('alias')?.text;
          if (module && alias) this.facts.imports.set(alias, { module, exact: false });
        } else {
          const module = dottedName(name);
          if (module) this.facts.imports.set(module.split('.')[0]!, { module: module.split('.')[0]!, exact: false });
        }
      }
      return;
    }
    // from <module_name> import <name>, <name> as <alias>, … | *
    const [moduleNode, ...names] = childrenOf(node);
    if (!moduleNode) return;
    let module: string | undefined;
    let exact = false;
    if (moduleNode.type === 'relative_import') {
      // `..security.auth`: the dots and the dotted name, as the parser delimited them.
      const written = moduleNode.text.replace(/\s+/g, '');
      const dots = written.length - written.replace(/^\.+/, '').length;
      const rest = written.slice(dots);
      this.package ??= packageOf(this.file.path).split('.').filter(Boolean);
      if (dots - 1 > this.package.length) return;
      module = [...this.package.slice(0, this.package.length - (dots - 1)), ...(rest ? [rest] : [])].join('.');
      exact = true;
    } else module = dottedName(moduleNode);
    if (module === undefined) return;
    for (const name of names) {
      if (name.type === 'wildcard_import') {
        this.facts.starImports.push({ module, exact });
        return;
      }
      const imported = dottedName(name.type === 'aliased_import' ? name.childForFieldName('name') : name);
      const local = name.type === 'aliased_import' ? name.childForFieldName('alias')?.text : imported;
      if (imported && local) this.facts.imports.set(local, { module, exact, name: imported });
    }
  }

  /** The absolute dotted name a name written here stands for, through imports (`jwt.decode`, `fastapi.FastAPI`). */
  private fullName(dotted: string): string {
    const [first, ...rest] = dotted.split('.');
    const imported = this.facts.imports.get(first!);
    if (!imported) return dotted;
    return [imported.module, ...(imported.name ? [imported.name] : []), ...rest].join('.');
  }

  /** What an identifier was last assigned in its scope or at module level, else the node itself. */
  private valueOf(node: PyNode | null | undefined, scope?: Scope): PyNode | undefined {
    if (!node) return undefined;
    if (node.type !== 'identifier') return node;
    const where = scope ?? this.scopeOf(node);
    return this.values.get(bindingKey(where, node.text)) ?? this.values.get(bindingKey('', node.text)) ?? node;
  }

  private ref(node: PyNode | null | undefined, scope: Scope): Ref | undefined {
    const name = dottedName(node);
    return name === undefined ? undefined : { scope, name };
  }

  private readAssignment(node: PyNode): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    const scope = this.scopeOf(node);
    if (left.type === 'attribute' && left.childForFieldName('attribute')?.text === 'debug' && isTrue(right)) {
      const owner = this.ref(left.childForFieldName('object'), scope);
      if (owner) this.facts.debug.push({ owner, at: positionOf(node) });
    }
    if (left.type !== 'identifier') return;
    this.values.set(bindingKey(scope, left.text), right);
    const fact: AssignmentFact = { deps: this.depsIn(right, scope), dictKeys: [], dictSplats: [] };
    if (right.type === 'call') {
      const callee = this.ref(right.childForFieldName('function'), scope);
      if (callee) fact.callee = callee;
    } else if (right.type === 'identifier' || right.type === 'attribute') {
      const alias = this.ref(right, scope);
      if (alias) fact.alias = alias;
    } else if (right.type === 'dictionary') {
      this.readHandlerDict(right, scope, fact.dictKeys, fact.dictSplats, false);
    }
    const constant = stringValue(right);
    if (constant !== undefined) fact.constant = [constant];
    else {
      const values = elementsOf(right)?.map(stringValue);
      if (values && values.length > 0 && values.every((value) => value !== undefined)) fact.constant = values as string[];
    }
    const key = bindingKey(scope, left.text);
    const list = this.facts.assignments.get(key) ?? [];
    list.push(fact);
    this.facts.assignments.set(key, list);
    this.assignmentsByStart.set(right.startIndex, fact);
  }

  /**
   * Keys of an exception-handler dict (`{Exception: handler, 500: handler, **OTHER}`); local handler functions are
   * noted for API-11. `certain`: the dict is given as exception_handlers=; any other dict counts only when its keys
   * look like exception classes or error statuses.
   */
  private readHandlerDict(dict: PyNode, scope: Scope, keys: string[], splats: Ref[], certain: boolean): void {
    for (const entry of childrenOf(dict)) {
      if (entry.type === 'dictionary_splat') {
        const ref = this.ref(childrenOf(entry)[0], scope);
        if (ref) splats.push(ref);
      } else if (entry.type === 'pair') {
        const key = entry.childForFieldName('key');
        const value = entry.childForFieldName('value');
        const exception = key?.type === 'integer' ? key.text : dottedName(key);
        if (exception === undefined) continue;
        keys.push(exception);
        const looksLikeHandler = key?.type === 'integer' ? /^[45]\d\d$/.test(exception) : /(Exception|Error)$/.test(exception);
        if (value?.type === 'identifier' && (certain || looksLikeHandler)) {
          this.handlerFunctions.push({ name: value.text, exception });
        }
      }
    }
  }

  // -- dependencies

  /** Depends(...) / Security(...) calls anywhere in an expression (a dependencies list, an Annotated alias). */
  private depsIn(node: PyNode, scope: Scope): Dep[] {
    return /\b(Depends|Security)\b/.test(node.text) ? this.depsOfCalls(descendantsOf(node, CALLS), scope) : [];
  }

  /** `annotation`: the parameter's type, which FastAPI calls for a bare `Depends()`. */
  private depsOfCalls(calls: readonly PyNode[], scope: Scope, annotation?: PyNode): Dep[] {
    const deps: Dep[] = [];
    for (const call of calls) {
      const callee = calleeOf(call);
      if (callee === undefined) continue;
      const name = lastSegment(callee);
      if (name === 'Security') deps.push({ kind: 'security' });
      else if (name === 'Depends') {
        const args = argumentsOf(call);
        const argument = args.positional[0] ?? args.keywords.get('dependency');
        const target = argument?.type === 'call' ? this.ref(argument.childForFieldName('function'), scope) : this.ref(argument, scope) ?? this.ref(annotation, scope);
        deps.push(target ? { kind: 'depends', target } : { kind: 'depends' });
      }
    }
    return deps;
  }

  /**
   * What each parameter of a function depends on, and (for endpoints) which parameters are request bodies. An
   * endpoint is also a module-level function: the first call asks for bodies when the function is decorated, so
   * that one pass serves both.
   */
  private parametersOf(definition: PyNode, withBodies: boolean): { deps: Dep[]; bodies: BodyParam[] } {
    const cached = this.parameterCache.get(definition.startIndex);
    if (cached && (cached.withBodies || !withBodies)) return cached;
    const scope = bodyScopeOf(definition);
    const deps: Dep[] = [];
    const bodies: BodyParam[] = [];
    this.parameterCache.set(definition.startIndex, { deps, bodies, withBodies });
    const parameters = definition.childForFieldName('parameters');
    if (!parameters || parameters.text === '()') return { deps, bodies };
    for (const parameter of childrenOf(parameters)) {
      if (!['typed_parameter', 'typed_default_parameter', 'default_parameter'].includes(parameter.type)) continue;
      const typeNode = parameter.childForFieldName('type');
      const annotation = typeNode ? childrenOf(typeNode)[0] : undefined;
      // One walk finds the Depends/Security calls and the Query/Path/… markers that make the parameter no body.
      const calls = MARKER_TEXT.test(parameter.text) ? descendantsOf(parameter, CALLS) : [];
      deps.push(...this.depsOfCalls(calls, scope, annotation));
      const alias = annotation && (annotation.type === 'identifier' || annotation.type === 'attribute') ? this.ref(annotation, scope) : undefined;
      if (alias) deps.push({ kind: 'annotation', target: alias });
      if (!typeNode || !withBodies) continue;
      if (calls.some((call) => NOT_BODY.has(lastSegment(calleeOf(call) ?? '')))) continue;
      // Every name in the annotation (`ItemIn`, `List[ItemIn]`, `Annotated[ItemIn, Body()]`) but those inside calls.
      const types = descendantsOf(typeNode, new Set(['identifier', 'attribute']), new Set(['attribute', 'call']))
        .map((node) => this.ref(node, scope))
        .filter((ref): ref is Ref => ref !== undefined);
      if (types.length > 0) bodies.push({ types });
    }
    return { deps, bodies };
  }

  // -- definitions

  private readFunction(node: PyNode): void {
    if (this.scopeOf(node) !== '') return;
    const name = node.childForFieldName('name')?.text;
    if (name === undefined) return;
    // Only functions that take dependencies (or annotated parameters, which may be Annotated aliases) can be an auth dependency.
    const parameters = node.childForFieldName('parameters')?.text ?? '';
    const deps = /Depends|Security|:/.test(parameters) ? this.parametersOf(node, node.parent?.type === 'decorated_definition').deps : [];
    const fact: FunctionFact = { name, deps, returns: [], returnedSites: [] };
    this.facts.functions.set(name, fact);
    this.functionNodes.set(name, node);
    this.functionsByStart.set(node.startIndex, fact);
  }

  private readReturn(node: PyNode): void {
    const scope = this.scopeOf(node);
    const fact = scope.startsWith('f') ? this.functionsByStart.get(Number(scope.slice(1))) : undefined;
    if (!fact) return;
    const ref = this.ref(childrenOf(node)[0], scope);
    if (ref) fact.returns.push(ref);
  }

  private readClass(node: PyNode): void {
    if (this.scopeOf(node) !== '') return;
    const nameNode = node.childForFieldName('name');
    if (!nameNode) return;
    const superclasses = node.childForFieldName('superclasses');
    const args = superclasses ? argumentsOfList(superclasses) : { positional: [], keywords: new Map<string, PyNode>() };
    const fact: ClassFact = {
      name: nameNode.text,
      bases: args.positional.map((base) => this.ref(base, '')).filter((ref): ref is Ref => ref !== undefined),
      readsContentLength: /content-length/i.test(node.text) && readsContentLength(node),
      at: positionOf(nameNode),
    };
    const extra = extraSetting(args.keywords.get('extra')) ?? (/\bextra\b/.test(node.text) ? this.configuredExtra(node) : undefined);
    if (extra !== undefined) fact.extra = extra;
    this.facts.classes.set(fact.name, fact);
  }

  /** `model_config = ConfigDict(extra=...)` / `{"extra": ...}`, or pydantic 1's `class Config: extra = ...`. */
  private configuredExtra(definition: PyNode): string | undefined {
    const body = definition.childForFieldName('body');
    if (!body) return undefined;
    for (const statement of childrenOf(body)) {
      const assignment = statement.type === 'expression_statement' ? childrenOf(statement)[0] : undefined;
      if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === 'model_config') {
        const value = assignment.childForFieldName('right');
        if (value?.type === 'call') {
          const extra = extraSetting(argumentsOf(value).keywords.get('extra'));
          if (extra !== undefined) return extra;
        } else if (value?.type === 'dictionary') {
          for (const pair of childrenOf(value)) {
            if (pair.type === 'pair' && stringValue(pair.childForFieldName('key')) === 'extra') return extraSetting(pair.childForFieldName('value')) ?? 'unknown';
          }
        }
      }
      if (statement.type === 'class_definition' && statement.childForFieldName('name')?.text === 'Config') {
        const configBody = statement.childForFieldName('body');
        for (const inner of configBody ? childrenOf(configBody) : []) {
          const setting = inner.type === 'expression_statement' ? childrenOf(inner)[0] : undefined;
          if (setting?.type === 'assignment' && setting.childForFieldName('left')?.text === 'extra') return extraSetting(setting.childForFieldName('right')) ?? 'unknown';
        }
      }
    }
    return undefined;
  }

  // -- calls

  private readCall(call: PyNode): void {
    const functionNode = call.childForFieldName('function');
    const callee = dottedName(functionNode);
    if (this.mentionsKeyHeaders && functionNode?.type === 'attribute' && functionNode.text.endsWith('.get')) this.checkHeaderGet(call);
    // Other calls of computed callees (`"…".format(x)`, `f()()`) are looked at only as arguments of the calls below.
    if (callee === undefined) return;
    const method = lastSegment(callee);
    const full = this.fullName(callee);
    if (FASTAPI_CLASSES.has(full) || STARLETTE_CLASSES.has(full)) this.readApp(call, FASTAPI_CLASSES.has(full) ? 'fastapi' : 'starlette');
    else if (ROUTER_CLASSES.has(full)) this.readRouter(call);
    else if (DECODE_FUNCTIONS.has(full)) this.checkDecode(call, full.startsWith('jose') ? 'jose' : 'pyjwt');
    else if (method === 'PyJWKClient' && (full.startsWith('jwt.') || callee === 'PyJWKClient')) this.checkJwksClient(call);
    if (['execute', 'executemany', 'executescript', 'exec_driver_sql'].includes(method) && callee.includes('.')) this.checkSql(call, true);
    else if ((method === 'text' && /^(sqlalchemy|sqlmodel)(\.|$)/.test(full)) || (method === 'SQL' && /^psycopg2?\./.test(full))) this.checkSql(call, false);
    if (method === 'CORSMiddleware' || method === 'add_middleware' || method === 'Middleware') this.checkCors(call, method);
    const wrapper = method.endsWith('Middleware') && method !== 'Middleware';
    if (!callee.includes('.') || (!OWNER_METHODS.has(method) && !wrapper)) {
      if (wrapper) this.readWrapper(call, callee);
      return;
    }
    const owner: Ref = { scope: this.scopeOf(call), name: callee.slice(0, callee.lastIndexOf('.')) };
    const args = argumentsOf(call);
    switch (method) {
      case 'include_router': {
        const target = this.ref(args.positional[0] ?? args.keywords.get('router'), owner.scope);
        if (target) this.facts.includes.push({ owner, target, deps: this.depsFrom(args.keywords.get('dependencies'), owner.scope) });
        break;
      }
      case 'add_middleware': {
        const cls = this.ref(args.positional[0] ?? args.keywords.get('middleware_class'), owner.scope);
        if (cls) this.facts.middleware.push(this.middlewareUse(cls, args.keywords, owner));
        break;
      }
      case 'add_exception_handler': {
        const exception = args.positional[0] ?? args.keywords.get('exc_class_or_status_code');
        const handler = args.positional[1] ?? args.keywords.get('handler');
        const name = exception?.type === 'integer' ? exception.text : dottedName(exception);
        if (name === undefined) break;
        this.facts.handlers.push({ owner, exception: name });
        if (handler?.type === 'identifier') this.handlerFunctions.push({ name: handler.text, exception: name });
        break;
      }
      case 'mount': {
        const target = this.ref(args.positional[1] ?? args.keywords.get('app'), owner.scope);
        if (target) this.facts.mounts.push({ owner, target });
        break;
      }
      default:
        if (ROUTE_REGISTRATIONS.has(method)) this.readRouteRegistration(call, owner, method);
        else this.readWrapper(call, callee);
    }
  }

  private depsFrom(node: PyNode | undefined, scope: Scope): Dep[] {
    const value = this.valueOf(node, scope);
    return value ? this.depsIn(value, scope) : [];
  }

  private middlewareUse(cls: Ref, keywords: Map<string, PyNode>, owner?: Ref): MiddlewareUse {
    const use: MiddlewareUse = { module: this.facts, cls, ...(owner ? { owner } : {}) };
    const hosts = this.valueOf(keywords.get('allowed_hosts'), cls.scope);
    const wildcard = (stringValue(hosts) === '*' ? [hosts!] : elementsOf(hosts) ?? []).find((element) => stringValue(element) === '*');
    if (wildcard) use.hostWildcard = positionOf(wildcard);
    return use;
  }

  /** `app = SomeMiddleware(app, ...)`: a middleware wrapping an app directly. */
  private readWrapper(call: PyNode, callee: string): void {
    const args = argumentsOf(call);
    const scope = this.scopeOf(call);
    const app = args.positional[0] ?? args.keywords.get('app');
    const owner = app?.type === 'identifier' ? this.ref(app, scope) : undefined;
    if (owner) this.facts.middleware.push(this.middlewareUse({ scope, name: callee }, args.keywords, owner));
  }

  private siteBinding(call: PyNode, site: AppSite | RouterSite): void {
    const parent = call.parent;
    if (parent?.type === 'assignment') {
      const fact = this.assignmentsByStart.get(call.startIndex);
      if (fact) fact.site = site;
    } else if (parent?.type === 'return_statement') {
      const scope = this.scopeOf(call);
      if (scope.startsWith('f')) this.functionsByStart.get(Number(scope.slice(1)))?.returnedSites.push(site);
    }
  }

  private readApp(call: PyNode, kind: 'fastapi' | 'starlette'): void {
    const args = argumentsOf(call);
    const scope = this.scopeOf(call);
    const site: AppSite = {
      kind,
      module: this.facts,
      at: positionOf(call),
      deps: this.depsFrom(args.keywords.get('dependencies'), scope),
      middleware: [],
      handlerKeys: [],
      handlerSplats: [],
      maxBodySize: args.keywords.has('max_body_size') && !isNone(args.keywords.get('max_body_size')),
    };
    const middleware = this.valueOf(args.keywords.get('middleware'), scope);
    for (const element of elementsOf(middleware) ?? []) {
      if (element.type !== 'call' || lastSegment(calleeOf(element) ?? '') !== 'Middleware') continue;
      const inner = argumentsOf(element);
      const cls = this.ref(inner.positional[0] ?? inner.keywords.get('cls'), scope);
      if (cls) site.middleware.push(this.middlewareUse(cls, inner.keywords));
    }
    const handlers = this.valueOf(args.keywords.get('exception_handlers'), scope);
    if (handlers?.type === 'dictionary') this.readHandlerDict(handlers, scope, site.handlerKeys, site.handlerSplats, true);
    else if (handlers && (handlers.type === 'identifier' || handlers.type === 'attribute')) {
      const ref = this.ref(handlers, scope);
      if (ref) site.handlerSplats.push(ref);
    }
    this.facts.apps.push(site);
    this.siteBinding(call, site);

    const debug = args.keywordNodes.get('debug');
    if (debug && isTrue(this.valueOf(args.keywords.get('debug'), scope))) {
      this.report('API-11', debug, `${kind === 'fastapi' ? 'FastAPI' : 'Starlette'}(debug=True) answers errors with tracebacks and source`);
    }
    if (kind === 'fastapi') this.checkDocs(call, args, scope);
  }

  private readRouter(call: PyNode): void {
    const args = argumentsOf(call);
    const scope = this.scopeOf(call);
    const site: RouterSite = { module: this.facts, at: positionOf(call), deps: this.depsFrom(args.keywords.get('dependencies'), scope) };
    this.siteBinding(call, site);
  }

  private readDecorated(node: PyNode): void {
    const definition = node.childForFieldName('definition');
    if (definition?.type !== 'function_definition') return;
    const decorators = childrenOf(node).filter((child) => child.type === 'decorator');
    const scope = this.scopeOf(node);
    let parameters: { deps: Dep[]; bodies: BodyParam[] } | undefined;
    for (const decorator of decorators) {
      const call = childrenOf(decorator)[0];
      if (call?.type !== 'call') continue;
      const callee = calleeOf(call);
      if (callee === undefined || !callee.includes('.')) continue;
      const method = lastSegment(callee);
      const owner: Ref = { scope, name: callee.slice(0, callee.lastIndexOf('.')) };
      const args = argumentsOf(call);
      if (ROUTE_DECORATORS.has(method)) {
        parameters ??= this.parametersOf(definition, true);
        const path = stringValue(args.positional[0] ?? args.keywords.get('path'));
        const methods = method === 'api_route' || method === 'route' ? 'ROUTE' : method.toUpperCase();
        const route: RouteUse = {
          owner,
          label: `${methods} ${path ?? '(computed path)'}`,
          deps: [...this.depsFrom(args.keywords.get('dependencies'), scope), ...parameters.deps],
          at: positionOf(decorator),
          bodies: parameters.bodies,
        };
        if (path !== undefined) route.path = path;
        this.facts.routes.push(route);
      } else if (method === 'exception_handler') {
        const exception = args.positional[0];
        const name = exception?.type === 'integer' ? exception.text : dottedName(exception);
        if (name === undefined) continue;
        this.facts.handlers.push({ owner, exception: name });
        this.checkHandler(definition, name);
      } else if (method === 'middleware' && stringValue(args.positional[0]) === 'http') {
        this.facts.httpMiddleware.push({ owner, limitsBody: /content-length/i.test(definition.text) && readsContentLength(definition) });
      }
    }
  }

  private readRouteRegistration(call: PyNode, owner: Ref, method: string): void {
    const args = argumentsOf(call);
    const path = stringValue(args.positional[0] ?? args.keywords.get('path'));
    const endpoint = args.positional[1] ?? args.keywords.get('endpoint');
    const definition = endpoint?.type === 'identifier' ? this.functionNodes.get(endpoint.text) : undefined;
    const parameters = definition ? this.parametersOf(definition, true) : { deps: [], bodies: [] };
    const route: RouteUse = {
      owner,
      label: `${method === 'add_api_route' ? 'ROUTE' : method} ${path ?? '(computed path)'}`,
      deps: [...this.depsFrom(args.keywords.get('dependencies'), owner.scope), ...parameters.deps],
      at: positionOf(call),
      bodies: parameters.bodies,
    };
    if (path !== undefined) route.path = path;
    this.facts.routes.push(route);
  }

  // -- API-01, API-03: JWT decoding

  private checkDecode(call: PyNode, library: 'pyjwt' | 'jose'): void {
    const scope = this.scopeOf(call);
    const args = argumentsOf(call);
    const name = library === 'jose' ? 'jose.jwt.decode' : 'jwt.decode';
    const optionsValue = this.valueOf(args.keywords.get('options') ?? args.positional[3], scope);
    const options = optionsValue?.type === 'dictionary' ? dictionaryPairs(optionsValue) : undefined;

    const signature = options?.get('verify_signature');
    if (signature && isFalse(this.valueOf(signature.value, scope))) {
      this.report('API-01', signature.pair, `${name} with verify_signature False accepts any token, signed or not, by anyone`);
      return;
    }
    const verify = args.keywordNodes.get('verify');
    if (verify && isFalse(args.keywords.get('verify'))) {
      this.report('API-01', verify, `${name}(verify=False) accepts any token, signed or not, by anyone`);
      return;
    }

    const algorithmsNode = args.keywords.get('algorithms') ?? args.positional[2];
    if (!algorithmsNode) {
      if (!args.spread) this.report('API-01', call, `${name} without algorithms=: the token's own alg header decides how it is verified (alg none, HS/RS confusion)`);
    } else if (this.fromTokenHeader(algorithmsNode, scope, 0)) {
      this.report('API-01', algorithmsNode, `${name} takes its algorithms from the token header: the sender chooses how the token is verified`);
    } else {
      this.facts.decodes.push({ at: positionOf(call), algorithms: this.algorithmValues(algorithmsNode, scope) });
    }

    const missing: string[] = [];
    if (!args.spread) {
      for (const claim of ['audience', 'issuer']) if (!args.keywords.has(claim) || isNone(args.keywords.get(claim))) missing.push(`${claim}=`);
      if (!optionsValue || options) {
        const required = requiredClaims(options, library, (node) => this.valueOf(node, scope));
        const absent = REQUIRED_CLAIMS.filter((claim) => !required.has(claim));
        if (absent.length > 0) missing.push(`a required ${absent.join(', ')} claim`);
      }
    }
    if (missing.length > 0) this.report('API-03', call, `${name} does not check ${missing.join(', ')}: tokens for another audience or issuer, or without expiry, pass`);
    for (const [key, entry] of options ?? []) {
      if (/^verify_(exp|aud|iss|nbf|iat)$/.test(key) && isFalse(this.valueOf(entry.value, scope))) {
        this.report('API-03', entry.pair, `${name} turns ${key} off`);
      }
    }
    const leewayNode = args.keywordNodes.get('leeway') ?? options?.get('leeway')?.pair;
    const leeway = secondsOf(this.valueOf(args.keywords.get('leeway') ?? options?.get('leeway')?.value, scope));
    if (leewayNode && leeway !== undefined && leeway > MAX_LEEWAY_SECONDS) {
      this.report('API-03', leewayNode, `${name} accepts expired tokens for ${leeway} s (leeway over ${MAX_LEEWAY_SECONDS} s)`);
    }
  }

  /** Whether an expression takes something from the token's unverified header (its alg). */
  private fromTokenHeader(node: PyNode, scope: Scope, depth: number): boolean {
    if (depth > 3) return false;
    if (node.type === 'identifier') {
      const value = this.valueOf(node, scope);
      return value !== undefined && value !== node && this.fromTokenHeader(value, scope, depth + 1);
    }
    if (node.type === 'call' && /(^|\.)get_unverified_headers?$/.test(calleeOf(node) ?? '')) return true;
    if (node.type === 'subscript' && stringValue(node.childForFieldName('subscript')) === 'alg') return true;
    if (node.type === 'call' && lastSegment(calleeOf(node) ?? '') === 'get' && stringValue(argumentsOf(node).positional[0]) === 'alg') return true;
    return childrenOf(node).some((child) => this.fromTokenHeader(child, scope, depth + 1));
  }

  private algorithmValues(node: PyNode, scope: Scope): AlgorithmValue[] {
    const value = this.valueOf(node, scope)!;
    const single = stringValue(value);
    if (single !== undefined) return [{ at: positionOf(node), value: single }];
    const elements = elementsOf(value);
    if (elements === undefined) {
      const ref = value === node ? this.ref(node, scope) : undefined;
      return ref ? [{ at: positionOf(node), ref }] : [];
    }
    const values: AlgorithmValue[] = [];
    for (const element of elements) {
      const resolved = stringValue(this.valueOf(element, scope));
      if (resolved !== undefined) values.push({ at: positionOf(element), value: resolved });
      else {
        const ref = this.ref(element, scope);
        if (ref) values.push({ at: positionOf(element), ref });
      }
    }
    return values;
  }

  // -- API-02: keys

  private checkJwksClient(call: PyNode): void {
    const args = argumentsOf(call);
    const scope = this.scopeOf(call);
    const uri = args.positional[0] ?? args.keywords.get('uri');
    const value = this.valueOf(uri, scope);
    if (!uri || !value) return;
    const text = isStringLiteral(value) ? (stringValue(value) ?? stringPrefixText(value)) : undefined;
    if (text !== undefined && /^http:\/\//i.test(text)) this.report('API-02', uri, `PyJWKClient fetches signing keys over plain http (${text}): anyone on the path can substitute keys`);
  }

  private isTokenHeader(node: PyNode | null, scope: Scope): boolean {
    if (!node) return false;
    if (node.type === 'call') return /(^|\.)get_unverified_headers?$/.test(calleeOf(node) ?? '');
    const name = dottedName(node);
    if (name === undefined) return false;
    if (/header/i.test(lastSegment(name))) return true;
    const value = this.valueOf(node, scope);
    return value !== undefined && value !== node && value.type === 'call' && this.isTokenHeader(value, scope);
  }

  private checkHeaderGet(call: PyNode): void {
    const key = stringValue(argumentsOf(call).positional[0]);
    if (key === undefined || !KEY_HEADERS.has(key)) return;
    const object = call.childForFieldName('function')?.childForFieldName('object') ?? null;
    if (this.isTokenHeader(object, this.scopeOf(call))) this.report('API-02', call, `the token's own ${key} header is read: its sender chooses the verification key`);
  }

  private readSubscript(node: PyNode): void {
    const key = stringValue(node.childForFieldName('subscript'));
    if (key === undefined || !KEY_HEADERS.has(key)) return;
    if (this.isTokenHeader(node.childForFieldName('value'), this.scopeOf(node))) this.report('API-02', node, `the token's own ${key} header is read: its sender chooses the verification key`);
  }

  // -- API-07: CORS

  private checkCors(call: PyNode, method: string): void {
    const args = argumentsOf(call);
    if (method !== 'CORSMiddleware' && lastSegment(dottedName(args.positional[0] ?? args.keywords.get('middleware_class') ?? args.keywords.get('cls')) ?? '') !== 'CORSMiddleware') return;
    const scope = this.scopeOf(call);
    const value = (name: string) => this.valueOf(args.keywords.get(name), scope);
    const credentials = isTrue(value('allow_credentials'));
    const wildcard = (node: PyNode | undefined) => (stringValue(node) === '*' ? node : (elementsOf(node) ?? []).find((element) => stringValue(this.valueOf(element, scope)) === '*'));
    const origin = wildcard(value('allow_origins'));
    if (origin) {
      this.report(
        'API-07',
        origin,
        credentials ? 'CORS allows every origin with credentials: any website can make credentialed requests and read the answers' : 'CORS allows every origin ("*")',
        credentials ? 'critical' : undefined,
      );
    }
    const regex = args.keywordNodes.get('allow_origin_regex');
    if (regex && !isNone(value('allow_origin_regex'))) this.report('API-07', regex, 'CORS allows origins by regular expression: one loose pattern admits attacker domains; list origins explicitly');
    if (!credentials) return;
    for (const name of ['allow_methods', 'allow_headers']) {
      const star = wildcard(value(name));
      if (star) this.report('API-07', star, `CORS ${name} is "*" together with allow_credentials=True`);
    }
  }

  // -- API-12: docs

  private checkDocs(call: PyNode, args: CallArguments, scope: Scope): void {
    const keyword = args.keywordNodes.get('openapi_url');
    if (!keyword) {
      if (!args.spread) this.report('API-12', call, 'FastAPI() serves /openapi.json, /docs and /redoc in every environment (openapi_url is left at its default)');
      return;
    }
    const value = this.valueOf(args.keywords.get('openapi_url'), scope);
    if (value && isStringLiteral(value)) {
      this.report('API-12', keyword, `FastAPI() serves its OpenAPI schema (and /docs, /redoc) at a fixed path in every environment`);
    }
  }

  // -- API-11: exception handlers that leak

  private checkHandlers(): void {
    for (const handler of this.handlerFunctions) {
      const definition = this.functionNodes.get(handler.name);
      if (definition) this.checkHandler(definition, handler.exception);
    }
  }

  private readonly checkedHandlers = new Set<number>();

  private checkHandler(definition: PyNode, exception: string): void {
    if (/HTTPException$/.test(exception) || this.checkedHandlers.has(definition.startIndex)) return;
    this.checkedHandlers.add(definition.startIndex);
    const parameters = childrenOf(definition.childForFieldName('parameters') ?? definition).filter((parameter) => parameter.type !== 'keyword_separator');
    const second = parameters[1];
    const exc = second?.type === 'identifier' ? second.text : second ? (childrenOf(second).find((child) => child.type === 'identifier')?.text ?? second.childForFieldName('name')?.text) : undefined;
    const body = definition.childForFieldName('body');
    if (!body) return;
    const outputs = descendantsOf(body, new Set(['return_statement', 'call']), new Set(['function_definition', 'class_definition'])).filter(
      (node) => node.type === 'return_statement' || /Response$/.test(lastSegment(calleeOf(node) ?? '')),
    );
    const reported = new Set<number>();
    for (const output of outputs) {
      for (const leak of this.leaksIn(output, exc)) {
        if (reported.has(leak.startIndex)) continue;
        reported.add(leak.startIndex);
        this.report('API-11', leak, `the exception handler for ${exception} sends ${leak.text.length > 40 ? `${leak.text.slice(0, 40)}…` : leak.text} to the client: internals leak in error responses`);
      }
    }
  }

  private leaksIn(node: PyNode, exc: string | undefined): PyNode[] {
    const isExc = (candidate: PyNode | undefined | null) => exc !== undefined && candidate?.type === 'identifier' && candidate.text === exc;
    return descendantsOf(node, new Set(['call', 'interpolation', 'attribute', 'binary_operator'])).filter((candidate) => {
      if (candidate.type === 'call') {
        const callee = calleeOf(candidate) ?? '';
        if (/^traceback\./.test(this.fullName(callee))) return true;
        return ['str', 'repr', 'format'].includes(callee) && isExc(argumentsOf(candidate).positional[0]);
      }
      if (candidate.type === 'interpolation') return isExc(candidate.childForFieldName('expression'));
      if (candidate.type === 'attribute') return isExc(candidate.childForFieldName('object')) && ['args', '__traceback__'].includes(candidate.childForFieldName('attribute')?.text ?? '');
      return candidate.childForFieldName('operator')?.text === '%' && isExc(candidate.childForFieldName('right'));
    });
  }

  // -- API-15: SQL built from strings

  private checkSql(call: PyNode, needsSqlWords: boolean): void {
    const args = argumentsOf(call);
    const statement = args.positional[0] ?? args.keywords.get('statement') ?? args.keywords.get('sql') ?? args.keywords.get('query') ?? args.keywords.get('operation');
    if (!statement) return;
    const scope = this.scopeOf(call);
    const built = this.builtSql(statement, scope) ?? (statement.type === 'identifier' ? this.builtSql(this.valueOf(statement, scope)!, scope) : undefined);
    if (!built || this.reportedSql.has(built.node.startIndex)) return;
    if (needsSqlWords && !SQL_WORDS.test(built.literalText)) return;
    this.reportedSql.add(built.node.startIndex);
    this.report('API-15', built.node, `SQL is built with ${built.how} and passed to ${calleeOf(call)}(): values in it are not parameters (SQL injection)`);
  }

  /** An f-string, % formatting, .format() or + concatenation of a string with something that is not a constant. */
  private builtSql(node: PyNode, scope: Scope): { node: PyNode; how: string; literalText: string } | undefined {
    if (isInterpolatedString(node)) return { node, how: 'an f-string', literalText: node.text };
    if (node.type === 'binary_operator') {
      const operator = node.childForFieldName('operator')?.text;
      const left = node.childForFieldName('left');
      if (operator === '%' && left && isStringLiteral(left)) return { node, how: '% formatting', literalText: left.text };
      if (operator === '+') {
        const operands = flattenConcatenation(node);
        const literals = operands.filter((operand) => isStringLiteral(operand) && !isInterpolatedString(operand));
        const variable = operands.some((operand) => !isStringLiteral(operand) || isInterpolatedString(operand));
        const stringy = literals.length > 0 || operands.some(isInterpolatedString);
        if (stringy && variable) return { node, how: 'string concatenation', literalText: operands.map((operand) => operand.text).join(' ') };
      }
    }
    if (node.type === 'call') {
      const callee = node.childForFieldName('function');
      const object = callee?.type === 'attribute' ? this.valueOf(callee.childForFieldName('object'), scope) : undefined;
      if (callee?.childForFieldName('attribute')?.text === 'format' && object && isStringLiteral(object)) return { node, how: '.format()', literalText: object.text };
    }
    return undefined;
  }
}

function argumentsOfList(list: PyNode): { positional: PyNode[]; keywords: Map<string, PyNode> } {
  const positional: PyNode[] = [];
  const keywords = new Map<string, PyNode>();
  for (const argument of childrenOf(list)) {
    if (argument.type === 'keyword_argument') {
      const name = argument.childForFieldName('name')?.text;
      const value = argument.childForFieldName('value');
      if (name !== undefined && value) keywords.set(name, value);
    } else if (argument.type !== 'list_splat' && argument.type !== 'dictionary_splat') positional.push(argument);
  }
  return { positional, keywords };
}

function flattenConcatenation(node: PyNode): PyNode[] {
  if (node.type === 'binary_operator' && node.childForFieldName('operator')?.text === '+') {
    return [node.childForFieldName('left'), node.childForFieldName('right')].flatMap((part) => (part ? flattenConcatenation(part) : []));
  }
  if (node.type === 'parenthesized_expression' && childrenOf(node).length === 1) return flattenConcatenation(childrenOf(node)[0]!);
  return [node];
}

/** The literal text an f-string starts with (for `f"http://{host}/jwks"`, http://; for `f"{base}/jwks"`, nothing). */
function stringPrefixText(node: PyNode): string {
  const first = node.type === 'concatenated_string' ? childrenOf(node)[0] : node;
  const content = first?.namedChildren[1];
  return content?.type === 'string_content' ? content.text : '';
}

function dictionaryPairs(dict: PyNode): Map<string, { pair: PyNode; value: PyNode }> {
  const pairs = new Map<string, { pair: PyNode; value: PyNode }>();
  for (const pair of childrenOf(dict)) {
    if (pair.type !== 'pair') continue;
    const key = stringValue(pair.childForFieldName('key'));
    const value = pair.childForFieldName('value');
    if (key !== undefined && value) pairs.set(key, { pair, value });
  }
  return pairs;
}

function requiredClaims(options: Map<string, { pair: PyNode; value: PyNode }> | undefined, library: 'pyjwt' | 'jose', valueOf: (node: PyNode) => PyNode | undefined): Set<string> {
  const required = new Set<string>();
  if (!options) return required;
  // python-jose (and PyJWT 1) name each required claim as its own option.
  for (const claim of REQUIRED_CLAIMS) {
    const entry = options.get(`require_${claim}`);
    if (entry && isTrue(valueOf(entry.value))) required.add(claim);
  }
  if (library === 'jose') return required;
  const list = options.get('require');
  for (const element of elementsOf(list ? valueOf(list.value) : undefined) ?? []) {
    const claim = stringValue(element);
    if (claim !== undefined) required.add(claim);
  }
  return required;
}

/** Seconds of a literal number or `timedelta(...)` of literals; undefined when not constant. */
function secondsOf(node: PyNode | undefined): number | undefined {
  if (!node) return undefined;
  if (node.type === 'integer' || node.type === 'float') {
    const value = Number(node.text.replaceAll('_', ''));
    return Number.isFinite(value) ? value : undefined;
  }
  if (node.type === 'call' && lastSegment(calleeOf(node) ?? '') === 'timedelta') {
    const args = argumentsOf(node);
    const units: Array<[string, number]> = [['days', 86400], ['seconds', 1], ['microseconds', 1e-6], ['milliseconds', 1e-3], ['minutes', 60], ['hours', 3600], ['weeks', 604800]];
    let total = 0;
    for (const [index, [unit, factor]] of units.entries()) {
      const part = args.keywords.get(unit) ?? args.positional[index];
      if (!part) continue;
      const value = secondsOf(part);
      if (value === undefined) return undefined;
      total += value * factor;
    }
    return total;
  }
  return undefined;
}

function extraSetting(node: PyNode | null | undefined): string | undefined {
  if (!node) return undefined;
  const value = stringValue(node) ?? (node.type === 'attribute' ? node.childForFieldName('attribute')?.text : undefined);
  return value === undefined ? 'unknown' : value;
}

/** Whether code compares or reads the content-length header (a string literal naming it, any case or bytes). */
function readsContentLength(node: PyNode): boolean {
  return descendantsOf(node, STRINGS).some((string) => stringValue(string)?.toLowerCase() === 'content-length');
}

// ---- Resolving names across the repository's modules ----------------------------------------------------

type Target =
  | { kind: 'module'; name: string; module?: ModuleFacts }
  | { kind: 'app'; site: AppSite }
  | { kind: 'router'; site: RouterSite }
  | { kind: 'function'; module: ModuleFacts; fn: FunctionFact }
  | { kind: 'class'; module: ModuleFacts; cls: ClassFact }
  | { kind: 'assignment'; module: ModuleFacts; fact: AssignmentFact }
  | { kind: 'external'; name: string };

const MAX_DEPTH = 12;

class Resolver {
  /** Every selected Python file's dotted module path → its facts (undefined when it was not parsed). */
  private readonly modules = new Map<string, ModuleFacts | undefined>();
  private readonly byLastSegment = new Map<string, string[]>();

  constructor(paths: readonly string[], facts: readonly ModuleFacts[]) {
    for (const path of paths) this.modules.set(moduleNameOf(path), undefined);
    for (const module of facts) this.modules.set(module.name, module);
    for (const name of this.modules.keys()) {
      const last = lastSegment(name);
      const list = this.byLastSegment.get(last) ?? [];
      list.push(name);
      this.byLastSegment.set(last, list);
    }
  }

  /** The repository module an import names: exact for relative imports, else the module path ending with it nearest the importer. */
  findModule(importer: ModuleFacts, name: string, exact: boolean): { name: string; module?: ModuleFacts } | undefined {
    if (exact || this.modules.has(name)) {
      if (!this.modules.has(name)) return undefined;
      const module = this.modules.get(name);
      return module ? { name, module } : { name };
    }
    const candidates = (this.byLastSegment.get(lastSegment(name)) ?? []).filter((candidate) => candidate.endsWith(`.${name}`));
    if (candidates.length === 0) return undefined;
    const shared = (candidate: string) => {
      const a = candidate.split('.');
      const b = importer.name.split('.');
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
      return i;
    };
    const best = candidates.reduce((winner, candidate) => (shared(candidate) > shared(winner) ? candidate : winner));
    const module = this.modules.get(best);
    return module ? { name: best, module } : { name: best };
  }

  resolve(module: ModuleFacts, ref: Ref, depth = 0): Target | undefined {
    const [first, ...rest] = ref.name.split('.');
    let target = this.resolveName(module, ref.scope, first!, depth);
    for (const segment of rest) {
      if (!target) return undefined;
      target = this.member(module, target, segment, depth);
    }
    return target;
  }

  private resolveName(module: ModuleFacts, scope: Scope, name: string, depth: number): Target | undefined {
    if (depth > MAX_DEPTH) return undefined;
    if (scope !== '') {
      const local = module.assignments.get(bindingKey(scope, name));
      if (local) return this.fromAssignment(module, local, depth + 1);
    }
    const fn = module.functions.get(name);
    if (fn) return { kind: 'function', module, fn };
    const cls = module.classes.get(name);
    if (cls) return { kind: 'class', module, cls };
    const assigned = module.assignments.get(bindingKey('', name));
    if (assigned) return this.fromAssignment(module, assigned, depth + 1);
    const imported = module.imports.get(name);
    if (imported) return this.fromImport(module, imported, depth + 1);
    for (const star of module.starImports) {
      const found = this.findModule(module, star.module, star.exact);
      const target = found?.module ? this.resolveName(found.module, '', name, depth + 1) : undefined;
      if (target) return target;
    }
    return undefined;
  }

  private fromAssignment(module: ModuleFacts, facts: AssignmentFact[], depth: number): Target | undefined {
    const fact = facts.find((candidate) => candidate.site) ?? facts[facts.length - 1]!;
    if (fact.site) return 'kind' in fact.site ? { kind: 'app', site: fact.site } : { kind: 'router', site: fact.site };
    if (fact.callee) {
      const callee = this.resolve(module, fact.callee, depth + 1);
      if (callee?.kind === 'function') {
        const site = callee.fn.returnedSites[0];
        if (site) return 'kind' in site ? { kind: 'app', site } : { kind: 'router', site };
        for (const returned of callee.fn.returns) {
          const target = this.resolve(callee.module, returned, depth + 1);
          if (target?.kind === 'app' || target?.kind === 'router') return target;
        }
      }
    }
    if (fact.alias) {
      const target = this.resolve(module, fact.alias, depth + 1);
      if (target) return target;
    }
    return { kind: 'assignment', module, fact };
  }

  private fromImport(module: ModuleFacts, imported: ImportFact, depth: number): Target | undefined {
    if (imported.name === undefined) {
      const found = this.findModule(module, imported.module, imported.exact);
      return found ? { kind: 'module', ...found } : { kind: 'external', name: imported.module };
    }
    const submodule = this.findModule(module, `${imported.module}.${imported.name}`, imported.exact);
    if (submodule) return { kind: 'module', ...submodule };
    const base = this.findModule(module, imported.module, imported.exact);
    if (base) return base.module ? this.resolveName(base.module, '', imported.name, depth + 1) : undefined;
    return { kind: 'external', name: `${imported.module}.${imported.name}` };
  }

  private member(from: ModuleFacts, target: Target, segment: string, depth: number): Target | undefined {
    if (target.kind === 'external') return { kind: 'external', name: `${target.name}.${segment}` };
    if (target.kind !== 'module') return undefined;
    const submodule = this.findModule(from, `${target.name}.${segment}`, true);
    if (submodule) return { kind: 'module', ...submodule };
    return target.module ? this.resolveName(target.module, '', segment, depth + 1) : undefined;
  }
}

// ---- Cross-file evaluation ----------------------------------------------------------------------------

type Decision = 'auth' | 'public' | undefined;

function decisionByName(name: string): Decision {
  if (AUTH_SCHEMES.has(name)) return 'auth';
  const words = wordsOf(name);
  if (words.includes('public') || words.includes('anonymous')) return 'public';
  if (words.some((word) => AUTH_WORDS.has(word))) return 'auth';
  if (AUTH_FIRST_WORDS.has(words[0] ?? '')) return 'auth';
  if (words.includes('current') && words.some((word) => CURRENT_SUBJECTS.has(word))) return 'auth';
  if (words.includes('api') && words.includes('key')) return 'auth';
  if (words.length === 2 && words[0] === 'get' && words[1] === 'user') return 'auth';
  return undefined;
}

function combine(decisions: Decision[]): Decision {
  if (decisions.includes('auth')) return 'auth';
  return decisions.includes('public') ? 'public' : undefined;
}

class CrossFile {
  private readonly resolver: Resolver;
  private readonly includesOf = new Map<RouterSite, Array<{ module: ModuleFacts; use: IncludeUse }>>();
  private readonly ownerCache = new Map<string, Target | undefined>();

  constructor(
    private readonly modules: readonly ModuleFacts[],
    paths: readonly string[],
    private readonly emit: Emitter,
  ) {
    this.resolver = new Resolver(paths, modules);
    for (const module of modules) {
      for (const use of module.includes) {
        const target = this.owner(module, use.target);
        if (target?.kind !== 'router') continue;
        const list = this.includesOf.get(target.site) ?? [];
        list.push({ module, use });
        this.includesOf.set(target.site, list);
      }
    }
  }

  private owner(module: ModuleFacts, ref: Ref): Target | undefined {
    const key = `${module.path}\u0000${bindingKey(ref.scope, ref.name)}`;
    if (!this.ownerCache.has(key)) this.ownerCache.set(key, this.resolver.resolve(module, ref));
    return this.ownerCache.get(key);
  }

  private report(controlId: string, module: ModuleFacts, at: Position, message: string): void {
    const location: Location = { file: module.path, line: at.line, column: at.column };
    this.emit.finding(controlId, location, message);
  }

  run(): void {
    this.checkAlgorithms();
    this.checkRoutes();
    this.checkApps();
    this.checkModels();
  }

  // -- API-01 with constants from anywhere in the repository

  private checkAlgorithms(): void {
    for (const module of this.modules) {
      for (const decode of module.decodes) {
        const values: Array<{ at: Position; value: string }> = [];
        for (const algorithm of decode.algorithms) {
          if (algorithm.value !== undefined) values.push({ at: algorithm.at, value: algorithm.value });
          else if (algorithm.ref) {
            const target = this.resolver.resolve(module, algorithm.ref);
            if (target?.kind === 'assignment' && target.fact.constant) for (const value of target.fact.constant) values.push({ at: algorithm.at, value });
          }
        }
        const problem = judgeAlgorithms(values);
        if (problem) this.report('API-01', module, problem.at, problem.message);
      }
    }
  }

  // -- API-05

  private decisionOf(module: ModuleFacts, deps: readonly Dep[], seen: Set<object>): Decision {
    return combine(deps.map((dep) => this.depDecision(module, dep, seen)));
  }

  private depDecision(module: ModuleFacts, dep: Dep, seen: Set<object>): Decision {
    if (dep.kind === 'security') return 'auth';
    if (!dep.target) return undefined;
    if (dep.kind === 'depends') {
      const byName = decisionByName(lastSegment(dep.target.name));
      if (byName) return byName;
    }
    const target = this.resolver.resolve(module, dep.target);
    if (!target) return undefined;
    if (target.kind === 'assignment') {
      if (seen.has(target.fact)) return undefined;
      seen.add(target.fact);
      const fromDeps = this.decisionOf(target.module, target.fact.deps, seen);
      if (fromDeps || dep.kind === 'annotation' || !target.fact.callee) return fromDeps;
      return decisionByName(lastSegment(target.fact.callee.name)) ?? this.classDecision(this.resolver.resolve(target.module, target.fact.callee), seen);
    }
    if (dep.kind === 'annotation') return undefined;
    if (target.kind === 'function') {
      if (seen.has(target.fn)) return undefined;
      seen.add(target.fn);
      return this.decisionOf(target.module, target.fn.deps, seen);
    }
    return this.classDecision(target, seen);
  }

  /** A class used as a dependency: an auth scheme by name, or deriving from one. */
  private classDecision(target: Target | undefined, seen: Set<object>): Decision {
    if (target?.kind === 'external') return decisionByName(lastSegment(target.name));
    if (target?.kind !== 'class' || seen.has(target.cls)) return undefined;
    seen.add(target.cls);
    const byName = decisionByName(target.cls.name);
    if (byName) return byName;
    return combine(target.cls.bases.map((base) => decisionByName(lastSegment(base.name)) ?? this.classDecision(this.resolver.resolve(target.module, base), seen)));
  }

  private ownerDecision(target: Target, seen: Set<object>): Decision {
    if (target.kind !== 'app' && target.kind !== 'router') return undefined;
    if (seen.has(target.site)) return undefined;
    seen.add(target.site);
    const own = this.decisionOf(target.site.module, target.site.deps, seen);
    if (own || target.kind === 'app') return own;
    const includes = this.includesOf.get(target.site) ?? [];
    if (includes.length === 0) return undefined;
    const decisions = includes.map(({ module, use }) => {
      const fromInclude = this.decisionOf(module, use.deps, new Set(seen));
      if (fromInclude) return fromInclude;
      const owner = this.owner(module, use.owner);
      return owner ? this.ownerDecision(owner, new Set(seen)) : undefined;
    });
    if (decisions.some((decision) => decision === undefined)) return undefined;
    return combine(decisions);
  }

  private checkRoutes(): void {
    for (const module of this.modules) {
      for (const route of module.routes) {
        const owner = this.owner(module, route.owner);
        if (!owner || (owner.kind !== 'router' && !(owner.kind === 'app' && owner.site.kind === 'fastapi'))) continue;
        if ((route.path !== undefined && PUBLIC_PATHS.has(route.path.replace(/\/+$/, '') || '/'))) continue;
        if (this.decisionOf(module, route.deps, new Set())) continue;
        if (this.ownerDecision(owner, new Set())) continue;
        this.report(
          'API-05',
          module,
          route.at,
          `route ${route.label} has no auth dependency (none on the route, its ${owner.kind === 'app' ? 'app' : 'router or where the router is included'}): anyone can call it`,
        );
      }
    }
  }

  // -- API-08, API-10, API-11 per app

  private isSubclassOf(module: ModuleFacts, ref: Ref, test: (name: string, cls?: ClassFact) => boolean, seen = new Set<object>()): boolean {
    if (test(lastSegment(ref.name))) return true;
    const target = this.resolver.resolve(module, ref);
    if (target?.kind !== 'class' || seen.has(target.cls)) return false;
    seen.add(target.cls);
    if (test(target.cls.name, target.cls)) return true;
    return target.cls.bases.some((base) => this.isSubclassOf(target.module, base, test, seen));
  }

  private checkApps(): void {
    const middlewareOf = new Map<AppSite, MiddlewareUse[]>();
    const handlersOf = new Map<AppSite, string[]>();
    const limitedByFunction = new Set<AppSite>();
    const mounted = new Set<AppSite>();
    const appOf = (module: ModuleFacts, ref: Ref) => {
      const target = this.owner(module, ref);
      return target?.kind === 'app' ? target.site : undefined;
    };
    for (const module of this.modules) {
      for (const use of module.middleware) {
        const app = use.owner ? appOf(module, use.owner) : undefined;
        if (app) middlewareOf.set(app, [...(middlewareOf.get(app) ?? []), use]);
      }
      for (const handler of module.handlers) {
        const app = appOf(module, handler.owner);
        if (app) handlersOf.set(app, [...(handlersOf.get(app) ?? []), handler.exception]);
      }
      for (const middleware of module.httpMiddleware) {
        const app = appOf(module, middleware.owner);
        if (app && middleware.limitsBody) limitedByFunction.add(app);
      }
      for (const mount of module.mounts) {
        const app = appOf(module, mount.target);
        if (app) mounted.add(app);
      }
      for (const debug of module.debug) {
        if (appOf(module, debug.owner)) this.report('API-11', module, debug.at, 'app.debug = True answers errors with tracebacks and source');
      }
    }
    for (const module of this.modules) {
      for (const app of module.apps) {
        const uses = [...app.middleware, ...(middlewareOf.get(app) ?? [])];
        const label = app.kind === 'fastapi' ? 'FastAPI()' : 'Starlette()';
        const trustedHost = uses.filter((use) => this.isSubclassOf(use.module, use.cls, (name) => name === 'TrustedHostMiddleware'));
        for (const use of trustedHost) if (use.hostWildcard) this.report('API-08', use.module, use.hostWildcard, 'TrustedHostMiddleware allows every host ("*"): forged Host headers reach the app');
        if (!mounted.has(app)) {
          if (trustedHost.length === 0) this.report('API-08', module, app.at, `${label} app has no TrustedHostMiddleware: a forged Host header steers the URLs it builds`);
          const limited = app.maxBodySize || limitedByFunction.has(app) || uses.some((use) => this.isSubclassOf(use.module, use.cls, (name, cls) => isBodyLimitName(name) || cls?.readsContentLength === true));
          if (!limited) this.report('API-10', module, app.at, `${label} app has no request body size limit: a large or endless body exhausts memory`);
        }
        const keys = [...app.handlerKeys, ...(handlersOf.get(app) ?? [])];
        for (const splat of app.handlerSplats) {
          const target = this.resolver.resolve(module, splat);
          if (target?.kind === 'assignment') keys.push(...target.fact.dictKeys);
        }
        if (!keys.some((key) => ['Exception', 'BaseException', '500'].includes(lastSegment(key)))) {
          this.report('API-11', module, app.at, `${label} app has no catch-all exception handler (Exception or 500): unexpected errors get the framework's default answer, without a request id`);
        }
      }
    }
  }

  // -- API-15 request models

  private isPydantic(module: ModuleFacts, cls: ClassFact, seen: Set<object>): boolean {
    if (seen.has(cls)) return false;
    seen.add(cls);
    return cls.bases.some((base) => {
      if (['BaseModel', 'SQLModel'].includes(lastSegment(base.name))) return true;
      const target = this.resolver.resolve(module, base);
      return target?.kind === 'class' && this.isPydantic(target.module, target.cls, seen);
    });
  }

  private extraOf(module: ModuleFacts, cls: ClassFact, seen: Set<object>): string | undefined {
    if (cls.extra !== undefined) return cls.extra;
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    for (const base of cls.bases) {
      const target = this.resolver.resolve(module, base);
      const inherited = target?.kind === 'class' ? this.extraOf(target.module, target.cls, seen) : undefined;
      if (inherited !== undefined) return inherited;
    }
    return undefined;
  }

  private checkModels(): void {
    const reported = new Set<ClassFact>();
    for (const module of this.modules) {
      for (const route of module.routes) {
        for (const body of route.bodies) {
          for (const type of body.types) {
            const target = this.resolver.resolve(module, type);
            if (target?.kind !== 'class' || reported.has(target.cls) || !this.isPydantic(target.module, target.cls, new Set())) continue;
            const extra = this.extraOf(target.module, target.cls, new Set());
            if (extra === 'forbid' || extra === 'unknown') continue;
            reported.add(target.cls);
            this.report(
              'API-15',
              target.module,
              target.cls.at,
              `request model ${target.cls.name} (body of ${route.label}, ${module.path}:${route.at.line}) ${extra === undefined ? 'does not forbid' : `sets extra="${extra}", accepting`} unknown fields: clients can set fields they should not (mass assignment)`,
            );
          }
        }
      }
    }
  }
}

function isBodyLimitName(name: string): boolean {
  const words = wordsOf(name);
  const has = (word: string) => words.includes(word);
  return (
    ((has('body') || has('content') || has('request') || has('payload') || has('upload')) && (has('size') || has('limit') || has('length'))) ||
    (has('max') && has('body'))
  );
}

function judgeAlgorithms(values: ReadonlyArray<{ at: Position; value: string }>): { at: Position; message: string } | undefined {
  const none = values.find((entry) => entry.value.toLowerCase() === 'none');
  if (none) return { at: none.at, message: 'algorithms allows "none": unsigned tokens are accepted' };
  const symmetric = values.filter((entry) => /^HS\d+$/i.test(entry.value));
  const asymmetric = values.filter((entry) => ASYMMETRIC_ALGORITHMS.has(entry.value));
  if (symmetric.length > 0 && asymmetric.length > 0) {
    return { at: symmetric[0]!.at, message: `algorithms mixes ${symmetric[0]!.value} with ${asymmetric[0]!.value}: a token signed with the public key as an HMAC secret verifies (key confusion)` };
  }
  if (symmetric.length > 0) return { at: symmetric[0]!.at, message: `algorithms allows ${symmetric[0]!.value}, a shared-secret algorithm: everyone who can verify tokens can also mint them` };
  const other = values.find((entry) => !ASYMMETRIC_ALGORITHMS.has(entry.value));
  if (other) return { at: other.at, message: `algorithms allows ${JSON.stringify(other.value)}, which is not an asymmetric JWS algorithm` };
  return undefined;
}

// ---- The family -----------------------------------------------------------------------------------------

/** What each scanned file stated, keyed by the file object `finish` receives back (so no state outlives a run). */
const FACTS = new WeakMap<SourceFile, ModuleFacts>();

export function isFastapiPath(path: string): boolean {
  return PYTHON_PATH.test(path) && !TEST_PATH.test(path);
}

function scanFastapi(file: SourceFile, emit: Emitter): void {
  if (!FRAMEWORK_TEXT.test(file.text) && !(SQL_SINK_TEXT.test(file.text) && STRING_BUILDING_TEXT.test(file.text))) return;
  withPythonTree(file.text, (root) => {
    const error = firstSyntaxError(root);
    if (error) {
      const at = positionOf(error);
      emit.note({ file: file.path, line: at.line, column: at.column, message: 'not checked: Python syntax error (or syntax newer than the parser knows)' });
      return;
    }
    const report: Report = (controlId, where, message, severity) => {
      const at = 'line' in where ? where : positionOf(where);
      emit.finding(controlId, { file: file.path, line: at.line, column: at.column }, message, severity ? { severity } : undefined);
    };
    FACTS.set(file, new ModuleReader(file, root, report).read());
  });
}

function finishFastapi(files: readonly SourceFile[], emit: Emitter): void {
  const modules = files.map((file) => FACTS.get(file)).filter((facts): facts is ModuleFacts => facts !== undefined);
  if (modules.length === 0) return;
  new CrossFile(modules, files.map((file) => file.path), emit).run();
}

export const fastapiFamily: CheckFamily = {
  id: 'fastapi',
  title: 'FastAPI applications',
  checks: CHECKS,
  selects: isFastapiPath,
  scan: scanFastapi,
  finish: finishFastapi,
};
