// Written by scripts/precompile-templates.mjs: Handlebars template specs of every .hbs template, used while the
// template's source still has this sha256, the action pins resolved from data/actions-pins.yaml and the built-in presets
// read from presets/, each used while its file still has this sha256. Do not edit; run the script again after
// changing a template, the pins or a built-in preset.
export const compilerRevision = 8;
export const actionPins = {"sha256":"e93ca25b41d9718b440c8445a887d822234d3c37eae2f51fb5c56360e3ca4ab0","resolved":{"pins":{"hardenRunner":{"action":"step-security/harden-runner","sha":"b09bb98e06d4d774595224525879c09bc6e98c40","version":"v2.20.1","ref":"step-security/harden-runner@b09bb98e06d4d774595224525879c09bc6e98c40","line":"step-security/harden-runner@b09bb98e06d4d774595224525879c09bc6e98c40 # v2.20.1"},"checkout":{"action":"actions/checkout","sha":"3d3c42e5aac5ba805825da76410c181273ba90b1","version":"v7.0.1","ref":"actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1","line":"actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"},"setupPython":{"action":"actions/setup-python","sha":"5fda3b95a4ea91299a34e894583c3862153e4b97","version":"v7.0.0","ref":"actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97","line":"actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0"},"setupNode":{"action":"actions/setup-node","sha":"820762786026740c76f36085b0efc47a31fe5020","version":"v7.0.0","ref":"actions/setup-node@820762786026740c76f36085b0efc47a31fe5020","line":"actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0"},"uploadArtifact":{"action":"actions/upload-artifact","sha":"bbbca2ddaa5d8feaa63e36b76fdaad77386f024f","version":"v7.0.0","ref":"actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f","line":"actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0"},"dependencyReview":{"action":"actions/dependency-review-action","sha":"2031cfc080254a8a887f58cffee85186f0e49e48","version":"v4.9.0","ref":"actions/dependency-review-action@2031cfc080254a8a887f58cffee85186f0e49e48","line":"actions/dependency-review-action@2031cfc080254a8a887f58cffee85186f0e49e48 # v4.9.0"},"attestBuildProvenance":{"action":"actions/attest-build-provenance","sha":"a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32","version":"v4.1.0","ref":"actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32","line":"actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32 # v4.1.0"},"codeqlInit":{"action":"github/codeql-action/init","sha":"8aad20d150bbac5944a9f9d289da16a4b0d87c1e","version":"v4.36.2","ref":"github/codeql-action/init@8aad20d150bbac5944a9f9d289da16a4b0d87c1e","line":"github/codeql-action/init@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2"},"codeqlAnalyze":{"action":"github/codeql-action/analyze","sha":"8aad20d150bbac5944a9f9d289da16a4b0d87c1e","version":"v4.36.2","ref":"github/codeql-action/analyze@8aad20d150bbac5944a9f9d289da16a4b0d87c1e","line":"github/codeql-action/analyze@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2"},"codeqlUploadSarif":{"action":"github/codeql-action/upload-sarif","sha":"8aad20d150bbac5944a9f9d289da16a4b0d87c1e","version":"v4.36.2","ref":"github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e","line":"github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2"},"setupBuildx":{"action":"docker/setup-buildx-action","sha":"37fe631027851001ddb9b187196cc803df7f5f0e","version":"v4.3.0","ref":"docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e","line":"docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e # v4.3.0"},"buildPush":{"action":"docker/build-push-action","sha":"53b7df96c91f9c12dcc8a07bcb9ccacbed38856a","version":"v7.3.0","ref":"docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a","line":"docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0"},"login":{"action":"docker/login-action","sha":"4907a6ddec9925e35a0a9e82d7399ccc52663121","version":"v4.1.0","ref":"docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121","line":"docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0"},"trivy":{"action":"aquasecurity/trivy-action","sha":"ed142fd0673e97e23eac54620cfb913e5ce36c25","version":"v0.36.0","ref":"aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25","line":"aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0"},"sbom":{"action":"anchore/sbom-action","sha":"e22c389904149dbc22b58101806040fa8d37a610","version":"v0.24.0","ref":"anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610","line":"anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610 # v0.24.0"},"gitleaks":{"action":"gitleaks/gitleaks-action","sha":"e0c47f4f8be36e29cdc102c57e68cb5cbf0e8d1e","version":"v3.0.0","ref":"gitleaks/gitleaks-action@e0c47f4f8be36e29cdc102c57e68cb5cbf0e8d1e","line":"gitleaks/gitleaks-action@e0c47f4f8be36e29cdc102c57e68cb5cbf0e8d1e # v3.0.0"},"zizmor":{"action":"zizmorcore/zizmor-action","sha":"f52a838cfabf134edcbaa7c8b3677dde20045018","version":"v0.1.1","ref":"zizmorcore/zizmor-action@f52a838cfabf134edcbaa7c8b3677dde20045018","line":"zizmorcore/zizmor-action@f52a838cfabf134edcbaa7c8b3677dde20045018 # v0.1.1"},"hadolint":{"action":"hadolint/hadolint-action","sha":"2332a7b74a6de0dda2e2221d575162eba76ba5e5","version":"v3.3.0","ref":"hadolint/hadolint-action@2332a7b74a6de0dda2e2221d575162eba76ba5e5","line":"hadolint/hadolint-action@2332a7b74a6de0dda2e2221d575162eba76ba5e5 # v3.3.0"},"scorecard":{"action":"ossf/scorecard-action","sha":"2d1146689b8cda280b9bc96326124645441f03bc","version":"v2.4.4","ref":"ossf/scorecard-action@2d1146689b8cda280b9bc96326124645441f03bc","line":"ossf/scorecard-action@2d1146689b8cda280b9bc96326124645441f03bc # v2.4.4"},"awsCredentials":{"action":"aws-actions/configure-aws-credentials","sha":"e6de054238d6b7531b4efff3b6587d9aade6a06c","version":"v6.2.3","ref":"aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c","line":"aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3"},"gcpAuth":{"action":"google-github-actions/auth","sha":"7c6bc770dae815cd3e89ee6cdf493a5fab2cc093","version":"v3.0.0","ref":"google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093","line":"google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093 # v3.0.0"},"azureLogin":{"action":"Azure/login","sha":"f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca","version":"v3.0.1","ref":"Azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca","line":"Azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # v3.0.1"}},"actionlint":"github.com/rhysd/actionlint/cmd/actionlint@v1.7.7"}};
export const builtinPresets = {"api-only":{"sha256":"c0efee360fc51f21fa4529c2b1305afcf8196ee879b4b13b074963a4fb1a7d1c","data":{"description":"API service only (api, db, containers, ci, docs), multi-tenant with row-level security.","extends":"default","answers":{"layers":["api","db","containers","ci","docs"]}}},"default":{"sha256":"9c7c1d68715bd066ee4e35ef9f68f6e4f233dfb431ae5159bd1a1c44800820d5","data":{"description":"All layers (api, web, db, containers, ci, docs), multi-tenant with row-level security.","answers":{"layers":["api","web","db","containers","ci","docs"],"cloud":"none","multiTenant":true}}},"strict":{"sha256":"d17b2111a28fd7b241cbe3a862dd6aa71f50ee249fc755b645194cd2c7818d24","data":{"description":"Every layer and multi-tenancy on and locked.","extends":"default","answers":{"layers":["api","web","db","containers","ci","docs"],"multiTenant":true},"locked":["layers","multiTenant"]}}};
export const templates = {
  "api/api/README.md.hbs": {
    sha256: "2be65443e5370c811cf7ce38ac88a001433dbf2121c49e5f62f52277ab70728e",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "each caller sees only its own tenant's rows\n(the tenant comes from the verified token and PostgreSQL row-level security enforces it)";
},"1":function(container,depth0,helpers,partials,data) {
    return "every\nrequest works in this deployment's one tenant (set by `APP_TENANT_ID`, enforced by PostgreSQL\nrow-level security)";
},"2":function(container,depth0,helpers,partials,data) {
    return "5. **Add the tenant claim**: each user's access token must carry their tenant's id (a UUID, the `id` of\n   their row in `app.tenants`) in the claim named by `OIDC_TENANT_CLAIM` (default `tenant_id`). A token\n   without it, or with a value that is not a UUID, gets 403 before any query runs.\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "5. **Set the tenant**: this is a single-tenant service. `APP_TENANT_ID` is the id (a UUID) of its one row in\n   `app.tenants`; create that row with the migration role, e.g.\n   `insert into app.tenants (id, name) values ('<APP_TENANT_ID>', '<name>')`. Tokens need no tenant claim.\n";
},"4":function(container,depth0,helpers,partials,data) {
    return " a _User Attribute_ mapper that puts the user's tenant id into `tenant_id`";
},"5":function(container,depth0,helpers,partials,data) {
    return " no tenant mapper";
},"6":function(container,depth0,helpers,partials,data) {
    return " Custom claims must be namespaced: add the tenant id in a\n  post-login Action as e.g. `https://example.com/tenant_id` and set `OIDC_TENANT_CLAIM` to that name.";
},"7":function(container,depth0,helpers,partials,data) {
    return "\nA token's `tid`, `org_id` or other IdP-specific organisation claims are not this API's tenant unless you\npoint `OIDC_TENANT_CLAIM` at them and their values are the UUIDs of `app.tenants`.\n";
},"8":function(container,depth0,helpers,partials,data) {
    return "| `OIDC_TENANT_CLAIM` | `tenant_id` | the access-token claim holding the caller's tenant UUID |\n";
},"9":function(container,depth0,helpers,partials,data) {
    return "| `APP_TENANT_ID` | required | this deployment's tenant UUID (the id of its row in `app.tenants`) |\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":2},"end":{"line":1,"column":24}}})) != null ? stack1 : "")
    + " API\n\nA FastAPI service whose security controls are on by default and proven by its own attack suite\n(`tests/`): every request needs a verified OIDC access token unless its route is public on purpose,\nscopes are checked per route, and "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.program(1, data, 0),"data":data,"loc":{"start":{"line":5,"column":34},"end":{"line":8,"column":26}}})) != null ? stack1 : "")
    + ".\n\n## Run it\n\nWith Debian's packages (Debian 12 or 13):\n\n```sh\nsudo apt-get install python3-fastapi python3-uvicorn python3-jwt python3-cryptography \\\n  python3-psycopg python3-psycopg-pool python3-httpx python3-pytest\n```\n\nor in a virtual environment with pip:\n\n```sh\npython3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]'\n```\n\nThen, from this folder:\n\n```sh\ncp .env.example .env                 # edit it: see \"Configure your identity provider\"\nset -a && . ./.env && set +a\npython3 -m uvicorn app.main:app --host 127.0.0.1 --port 8000\npython3 -m pytest -q                 # the attack suite; needs no database and no network\n```\n\nA missing or unsafe setting stops start-up with one line naming the variable, for example\n`configuration error: CORS_ALLOWED_ORIGINS must list exact origins: '*' (any origin) is refused …`.\n\nBehind a reverse proxy, let uvicorn believe `X-Forwarded-For` from that proxy only\n(`--proxy-headers --forwarded-allow-ips=<proxy address>`): the client address is what the\nauthentication-failure limit counts and what security events record. Tokens are read from the\n`Authorization` header only; never put one in a URL, where access logs (uvicorn's included) would record it.\n\n## Configure your identity provider\n\nThe API accepts OAuth 2.0 **access tokens** (JWTs) issued by one OpenID Connect provider. In your IdP:\n\n1. **Register this API** (a \"resource server\" or \"API\"), with the audience\n   "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcAudience"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":47,"column":3},"end":{"line":47,"column":34}}})) != null ? stack1 : "")
    + ": tokens must carry it in `aud`. Set `OIDC_AUDIENCE` to it.\n2. **Define two scopes (permissions)**, `projects:read` and `projects:write`, and grant them to the clients\n   that call the API. The API reads them from `scope` (space-separated) or `scp` (a list, or a\n   space-separated string).\n3. **Sign with an asymmetric key**: RS256 or ES256 (`OIDC_ALGORITHMS` lists the ones you allow; HS256 and\n   `none` are always refused). Keys are fetched only from `OIDC_JWKS_URI`, never from a token's `jku`,\n   `x5u` or `jwk` header.\n4. **Find the issuer and the key set**: open `<issuer>/.well-known/openid-configuration` and copy `issuer`\n   into `OIDC_ISSUER` exactly (a trailing slash matters) and `jwks_uri` into `OIDC_JWKS_URI`. This project\n   was generated for the issuer "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcIssuer"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":56,"column":32},"end":{"line":56,"column":61}}})) != null ? stack1 : "")
    + ".\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.program(3, data, 0),"data":data,"loc":{"start":{"line":57,"column":0},"end":{"line":65,"column":7}}})) != null ? stack1 : "")
    + "6. **Issue access tokens, not ID tokens**: the API refuses tokens with `nonce`, `at_hash` or `c_hash`\n   claims, and tokens that have neither the `at+jwt` type nor a scope claim. Tokens must carry `sub`,\n   `iat` and `exp`; `nbf` is honoured; clock skew of up to `OIDC_LEEWAY_SECONDS` (at most 60) is allowed.\n\nProvider notes:\n\n- **Keycloak**: issuer `https://<host>/realms/<realm>`, JWKS `<issuer>/protocol/openid-connect/certs`. Add\n  an _Audience_ mapper for the API's client id, client scopes named `projects:read` / `projects:write`,\n  and"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.program(5, data, 0),"data":data,"loc":{"start":{"line":74,"column":5},"end":{"line":74,"column":138}}})) != null ? stack1 : "")
    + ".\n- **Auth0**: issuer `https://<your-tenant>.auth0.com/` (with the slash), JWKS\n  `<issuer>.well-known/jwks.json`; create an API whose identifier is the audience and add the two\n  permissions."
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":77,"column":14},"end":{"line":78,"column":108}}})) != null ? stack1 : "")
    + "\n- **Microsoft Entra ID**: issuer `https://login.microsoftonline.com/<directory-id>/v2.0`, JWKS\n  `https://login.microsoftonline.com/<directory-id>/discovery/v2.0/keys`; expose the API (its Application\n  ID URI or client id is the audience) with the two scopes, which arrive in `scp`.\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(7, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":82,"column":0},"end":{"line":86,"column":7}}})) != null ? stack1 : "")
    + "\n## Settings\n\nEvery setting `X` can instead be read from the file named by `X_FILE` (Docker and Kubernetes secrets);\nsetting both is an error. `.env.example` lists them all with their defaults.\n\n| Setting               | Default       | Meaning                                                                                                              |\n| --------------------- | ------------- | -------------------------------------------------------------------------------------------------------------------- |\n| `APP_ENV`             | `production`  | `development` turns on `/docs`, `/redoc` and `/openapi.json` and allows plain `sslmode`; anything else is production |\n| `SERVICE_NAME`        | `api`         | the `service` field of log events                                                                                    |\n| `OIDC_ISSUER`         | required      | expected `iss`, exactly                                                                                              |\n| `OIDC_AUDIENCE`       | required      | expected `aud`                                                                                                       |\n| `OIDC_JWKS_URI`       | required      | the IdP's key set; https (http only for a loopback host)                                                             |\n| `OIDC_ALGORITHMS`     | `RS256,ES256` | allowed signature algorithms, asymmetric only                                                                        |\n| `OIDC_LEEWAY_SECONDS` | `30`          | clock-skew allowance, at most 60                                                                                     |\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.program(9, data, 0),"data":data,"loc":{"start":{"line":102,"column":0},"end":{"line":106,"column":7}}})) != null ? stack1 : "")
    + "| `ALLOWED_HOSTS` | required | host names clients use (`Host` header), comma-separated; `*.example.com` allowed, `*` refused |\n| `CORS_ALLOWED_ORIGINS` | empty | exact browser origins allowed to call the API (https outside development); `*` refused |\n| `DATABASE_URL` | required | the application role's connection URL; `sslmode=verify-full` is added outside development, and any other `sslmode` is refused there |\n| `DB_POOL_MAX_SIZE`, `DB_TIMEOUT_SECONDS` | `10`, `5` | connection pool size and wait |\n| `DB_POOL_MAX_LIFETIME_SECONDS` | `3600` | a pooled connection's lifetime; new connections read `DATABASE_URL_FILE` again (password rotation without a restart) |\n| `METRICS_TOKEN` | unset | bearer credential of the Prometheus scrape of `/metrics` (at least 32 characters); unset, `/metrics` answers 404 |\n| `JWKS_CACHE_SECONDS` | `300` | how long fetched keys are trusted before a refetch |\n| `JWKS_MIN_REFRESH_SECONDS` | `30` | least time between refetches, also those an unknown `kid` triggers |\n| `JWKS_TIMEOUT_SECONDS` | `5` | JWKS request timeout |\n| `MAX_BODY_BYTES` | `1048576` | larger request bodies get 413 |\n| `AUTH_FAILURE_LIMIT`, `AUTH_FAILURE_WINDOW_SECONDS` | `10`, `60` | authentication failures per client per window before 429 |\n\n## Routes\n\n| Route               | Auth decision          | Answer                                                                              |\n| ------------------- | ---------------------- | ----------------------------------------------------------------------------------- |\n| `GET /healthz`      | public                 | `{\"status\": \"ok\"}`; needs neither the database nor the IdP                          |\n| `GET /v1/me`        | any valid access token | `{\"sub\", \"tenant_id\", \"scopes\"}`                                                    |\n| `GET /v1/projects`  | scope `projects:read`  | the tenant's projects: `[{\"id\", \"name\", \"created_at\"}]`                             |\n| `POST /v1/projects` | scope `projects:write` | body `{\"name\": \"...\"}` (1–200 characters, no other keys) → 201 with the new project |\n| `GET /metrics` | the `METRICS_TOKEN` bearer credential | the security counters in Prometheus's text format (see `ops/README.md`) |\n\nErrors are JSON: `{\"error\": \"<code>\", \"request_id\": \"<id>\"}` (the same id as the `X-Request-ID` header and\nthe server's log lines); 401 carries `WWW-Authenticate: Bearer …`, 429 carries `Retry-After`.\n\n### Adding a route\n\nEvery route must state its auth decision, or the app refuses to start (default-deny):\n\n```python\nfrom fastapi import APIRouter, Depends, Security\nfrom app.security.auth import Principal, public, require_principal\n\nrouter = APIRouter(prefix=\"/v1\")\n\n@router.get(\"/reports\")\ndef reports(principal: Principal = Security(require_principal, scopes=[\"reports:read\"])):\n    ...  # principal.sub, principal.tenant_id, principal.scopes come from the verified token\n```\n\nUse `dependencies=[Depends(public)]` only for routes that must be reachable without a token. Write\ndependencies as `= Depends(...)` / `= Security(...)` defaults, not `Annotated[...]` (FastAPI before 0.95\nreads that as a query parameter), start nothing in `FastAPI(lifespan=...)` (ignored before 0.95; create\nresources on first use as `app/db.py` does), and give pydantic config as class keywords\n(`class Body(BaseModel, extra=\"forbid\")`), not `model_config` (ignored by pydantic 1). Database work goes\nthrough `database.tenant_transaction(principal.tenant_id)`, with `%s` parameters only.\n\nA route that does no blocking I/O can be `async def` (it then runs on the event loop, with no threadpool hop,\nlike `GET /v1/me`); a route that uses the database, whose driver calls block, stays a plain `def`.\n\n## Detection and drills\n\n`ops/` holds the Prometheus alert rules on the `/metrics` counters and their `promtool` tests\n(`ops/README.md`). `drills/` holds the incident drills the runbook asks for: `python3 -m\ndrills.signing_key_rotation` and `python3 -m drills.database_credential_rotation` rehearse a rotation while a\nclient calls the api, and fail on any failed request.\n\n## Database\n\nThe API connects as "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"dbPrefix"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":166,"column":20},"end":{"line":166,"column":45}}})) != null ? stack1 : "")
    + "\\_app, the role that row-level security binds (never the\nowner or the migrator; a connection whose role is a superuser, may bypass row-level security or owns the\ntables is refused). Each request that touches the database runs in one transaction that starts with\n`select set_config('app.tenant_id', <tenant>, true)`, so the tenant context ends with the transaction and\nnever leaks to the next request on the same pooled connection. Keep the URL, which holds the password,\nin a secret file read through `DATABASE_URL_FILE`, and give the server's CA with `sslrootcert=` so that\n`sslmode=verify-full` can check the server's certificate.\n\n## Security controls\n\n| Control                                                                                                        | Where                                               | Proved by                                  |\n| -------------------------------------------------------------------------------------------------------------- | --------------------------------------------------- | ------------------------------------------ |\n| API-01 fixed asymmetric algorithm allowlist, `none` and HS\\* refused                                           | `app/security/tokens.py`                            | `tests/test_tokens.py`                     |\n| API-02 keys only from the configured JWKS, cached, bounded refetch on unknown `kid`, `jku`/`x5u`/`jwk` ignored | `app/security/jwks.py`                              | `tests/test_tokens.py`                     |\n| API-03 `iss`, `aud`, `exp`, `nbf` checked; `exp`, `iat`, `sub` required; leeway ≤ 60 s                         | `app/security/tokens.py`                            | `tests/test_tokens.py`                     |\n| API-04 access tokens only, ID tokens refused                                                                   | `app/security/tokens.py`                            | `tests/test_tokens.py`                     |\n| API-01…04 verified-token cache: only signature work reused; time, key-set and route checks on every request    | `app/security/tokens.py`                            | `tests/test_token_cache.py`                |\n| API-05 scopes per route, default-deny start-up check                                                           | `app/security/auth.py`, `app/security/policy.py`    | `tests/test_authz.py`                      |\n| API-06 tenant only from the verified token (or the fixed setting)                                              | `app/security/auth.py`, `app/db.py`                 | `tests/test_authz.py`, `tests/test_db.py`  |\n| API-07 CORS allowlist, explicit methods and headers, no credentials                                            | `app/factory.py`, `app/settings.py`                 | `tests/test_http.py`                       |\n| API-08 trusted hosts                                                                                           | `app/security/hosts.py`                             | `tests/test_http.py`                       |\n| API-09 security headers, `no-store`                                                                            | `app/security/headers.py`                           | `tests/test_http.py`                       |\n| API-10 body-size limit (413), also for streamed bodies                                                         | `app/security/limits.py`                            | `tests/test_http.py`                       |\n| API-11 generic errors with a request id, no stack traces                                                       | `app/security/errors.py`, `app/security/context.py` | `tests/test_http.py`                       |\n| API-12 no docs or schema outside development                                                                   | `app/factory.py`                                    | `tests/test_http.py`                       |\n| API-13 authentication failures limited per client (429, `Retry-After`)                                         | `app/security/ratelimit.py`                         | `tests/test_http.py`                       |\n| API-14, OPS-01, OPS-02 JSON security events, redaction                                                         | `app/security/events.py`                            | `tests/test_events.py`                     |\n| API-15 strict request models, response models, parameterised SQL                                               | `app/models.py`, `app/routes/projects.py`           | `tests/test_compat.py`, `tests/test_db.py` |\n\nAuthentication is cheap by design. `require_principal` and `GET /v1/me` are coroutines, so FastAPI runs them on\nthe event loop without a threadpool hop; the JWKS fetch (blocking I/O) goes to the threadpool, one at a time,\nand requests that need it wait for it without holding up others. A token that passed every check is kept in a\nverified-token cache (as Envoy's `jwt_cache_config` does): keyed by the token text itself, for at most 60\nseconds and never past its `exp`, at most 10,000 tokens (oldest out first). A hit skips only the parsing, the\nsignature and the checks whose answer cannot change (`iss`, `aud`, `sub`, token type, and the principal derived\nfrom the claims); `exp`, `nbf` and `iat` are checked again against the clock, the `kid` is looked up again (a\nstale key set is refreshed as before), the route's scopes are checked on every request, and a JWKS refresh that\nchanges the key set empties the cache, so a retired or re-keyed key stops working exactly when it would without\nit. Refusals (a bad tenant included) are never cached.\n\nThe suite runs unchanged on Debian 12's packages (FastAPI 0.92, pydantic 1.10) and Debian 13's\n(FastAPI 0.115, pydantic 2); `tests/test_compat.py` fails if the code falls into a trap that only one\nof them would hide.\n";
},"useData":true},
  },
  "api/api/app/tenancy.py.hbs": {
    sha256: "719f58bcd1c7bf334f8bc71d34886c8e7f8a429f3b77f2d8454940376db33664",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "Multi-tenant: every request's tenant is the UUID in the verified access token's tenant claim\n(OIDC_TENANT_CLAIM, default ``tenant_id``). It never comes from the path, the body or a header.\n";
},"1":function(container,depth0,helpers,partials,data) {
    return "Single tenant: every request works in the one tenant named by the APP_TENANT_ID setting (a UUID);\ntokens carry no tenant. The database is the same multi-tenant schema with row-level security.\n";
},"2":function(container,depth0,helpers,partials,data) {
    return "MULTI_TENANT = True\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "MULTI_TENANT = False\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\"\"\"Tenancy of this service, chosen when the project was generated (secure-stack answer `multiTenant`).\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.program(1, data, 0),"data":data,"loc":{"start":{"line":3,"column":0},"end":{"line":9,"column":7}}})) != null ? stack1 : "")
    + "This is code, not a setting, so that no environment variable can switch a deployment's tenancy.\n\"\"\"\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.program(3, data, 0),"data":data,"loc":{"start":{"line":13,"column":0},"end":{"line":17,"column":7}}})) != null ? stack1 : "");
},"useData":true},
  },
  "api/api/dot_env.example.hbs": {
    sha256: "550d97eddf8d06af009e41df1c94a0be4f11147881d00cec7c99d62cfc9f4632",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "# The access-token claim that holds the caller's tenant (a UUID).\nOIDC_TENANT_CLAIM='tenant_id'\n";
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Single tenant: the id (a UUID) of this deployment's one row in app.tenants. Tokens carry no tenant.\nAPP_TENANT_ID="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"api"),"fixedTenantId"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":22,"column":14},"end":{"line":22,"column":46}}})) != null ? stack1 : "")
    + "\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Settings of the API (see README.md). Copy to .env for local runs; never commit a real .env.\n# Every setting X may instead be read from the file named by X_FILE (Docker/Kubernetes secrets).\n# A missing or unsafe value stops start-up with a message naming the variable.\n\n# production unless exactly \"development\" (development turns on /docs and relaxes https for CORS origins).\nAPP_ENV='production'\nSERVICE_NAME="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"docker"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":7,"column":13},"end":{"line":7,"column":40}}})) != null ? stack1 : "")
    + "\n\n# Identity provider: the issuer exactly as in its tokens' \"iss\", this API's audience (\"aud\"), and the\n# jwks_uri from {issuer}/.well-known/openid-configuration (https; http only for a loopback IdP).\nOIDC_ISSUER="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcIssuer"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":11,"column":12},"end":{"line":11,"column":45}}})) != null ? stack1 : "")
    + "\nOIDC_AUDIENCE="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcAudience"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":12,"column":14},"end":{"line":12,"column":49}}})) != null ? stack1 : "")
    + "\nOIDC_JWKS_URI="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"api"),"jwksUri"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":13,"column":14},"end":{"line":13,"column":40}}})) != null ? stack1 : "")
    + "\n# Asymmetric algorithms your IdP signs with (HS* and none are refused). Leeway for clock skew, at most 60 s.\nOIDC_ALGORITHMS='RS256,ES256'\nOIDC_LEEWAY_SECONDS='30'\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.program(1, data, 0),"data":data,"loc":{"start":{"line":17,"column":0},"end":{"line":23,"column":7}}})) != null ? stack1 : "")
    + "\n# Host names clients use to reach the API (the Host header). No \"*\".\nALLOWED_HOSTS="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"api"),"allowedHosts"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":26,"column":14},"end":{"line":26,"column":45}}})) != null ? stack1 : "")
    + "\n# Browser origins allowed to call the API directly, comma-separated (exact https origins, no \"*\").\n# Empty: no cross-origin browser access (a backend-for-frontend calls the API server to server).\nCORS_ALLOWED_ORIGINS=''\n\n# Database: connect as the application role "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"dbPrefix"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":31,"column":44},"end":{"line":31,"column":68}}})) != null ? stack1 : "")
    + "_app (never the owner or the migrator).\n# sslmode=verify-full is required outside development. Keep the URL (it holds the password) in a secret file\n# whose one line reads like:\n#   postgresql://"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"dbPrefix"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":34,"column":17},"end":{"line":34,"column":41}}})) != null ? stack1 : "")
    + "_app:PASSWORD@db:5432/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"dbPrefix"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":34,"column":63},"end":{"line":34,"column":87}}})) != null ? stack1 : "")
    + "?sslmode=verify-full&sslrootcert=/run/secrets/db_ca.crt\nDATABASE_URL_FILE='/run/secrets/database_url'\nDB_POOL_MAX_SIZE='10'\n# Seconds a pooled connection lives. Every new connection reads DATABASE_URL_FILE again, so a rotated password\n# is in use everywhere within this time, without a restart (docs/security/INCIDENT_RUNBOOK.md, drills).\nDB_POOL_MAX_LIFETIME_SECONDS='3600'\nDB_TIMEOUT_SECONDS='5'\n\n# JWKS cache lifetime, and the least time between refetches that an unknown \"kid\" may trigger.\nJWKS_CACHE_SECONDS='300'\nJWKS_MIN_REFRESH_SECONDS='30'\nJWKS_TIMEOUT_SECONDS='5'\n\n# Largest request body in bytes (413 above it).\nMAX_BODY_BYTES='1048576'\n# Authentication failures a client may make per window before it gets 429 with Retry-After.\nAUTH_FAILURE_LIMIT='10'\nAUTH_FAILURE_WINDOW_SECONDS='60'\n\n# Prometheus scrape of /metrics (the counters of ops/prometheus/alerts.rules.yml): a file holding a random\n# bearer credential of at least 32 characters (openssl rand -hex 32). Unset, /metrics answers 404.\n# METRICS_TOKEN_FILE='/run/secrets/metrics_token'\n";
},"useData":true},
  },
  "api/api/pyproject.toml.hbs": {
    sha256: "51d47a51a758502d5d6b19aebae92cc3c1802fb25d46c3b6ab56e63fb992ece0",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "[project]\nname = "
    + ((stack1 = lookupProperty(helpers,"tomlStr").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"names"),"npm"),{"name":"tomlStr","hash":{},"data":data,"loc":{"start":{"line":2,"column":7},"end":{"line":2,"column":28}}})) != null ? stack1 : "")
    + "\nversion = \"0.1.0\"\ndescription = \"FastAPI service with OIDC access-token verification, default-deny scopes and tenant isolation\"\nreadme = \"README.md\"\nrequires-python = \">=3.11\"\ndependencies = [\n  \"fastapi>=0.115\",\n  \"PyJWT[crypto]>=2.10.1\",\n  \"psycopg[binary,pool]>=3.2\",\n  \"uvicorn>=0.30\",\n  \"httpx>=0.27\",\n]\n\n[project.optional-dependencies]\ntest = [\n  \"pytest>=8\",\n  \"httpx>=0.27\",\n]\n\n[build-system]\nrequires = [\"setuptools>=68\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[tool.setuptools.packages.find]\ninclude = [\"app\", \"app.*\"]\n\n[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\npythonpath = [\".\"]\naddopts = \"-ra --strict-markers\"\n\n[tool.bandit]\nexclude_dirs = [\"tests\"]\n";
},"useData":true},
  },
  "base/README.md.hbs": {
    sha256: "846ac62e7ff3b71e61dca4f7affd9a364124d41fc58c30677c98d5e091d41409",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":2},"end":{"line":11,"column":18}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(depth0,"directory"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.program(2, data, 0),"data":data,"loc":{"start":{"line":11,"column":21},"end":{"line":11,"column":89}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"summary"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":92},"end":{"line":11,"column":110}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(depth0,"generated"),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.program(4, data, 0),"data":data,"loc":{"start":{"line":11,"column":113},"end":{"line":11,"column":171}}})) != null ? stack1 : "")
    + " |\n";
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"mdText").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"directory"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":38},"end":{"line":11,"column":58}}})) != null ? stack1 : "")
    + "/";
},"2":function(container,depth0,helpers,partials,data) {
    return "repository root";
},"3":function(container,depth0,helpers,partials,data) {
    return "yes";
},"4":function(container,depth0,helpers,partials,data) {
    return "not by this version yet";
},"5":function(container,depth0,helpers,partials,data) {
    return "\n- [Security policy](SECURITY.md): how to report a vulnerability and how fast fixes ship.\n- [Threat model](docs/security/THREAT_MODEL.md): assets, trust boundaries, STRIDE per boundary and the controls that answer each threat.\n- [Incident runbook](docs/security/INCIDENT_RUNBOOK.md): who does what when something goes wrong.\n- [Secrets inventory](docs/security/SECRETS.md): every secret, where it lives and when it rotates.\n";
},"6":function(container,depth0,helpers,partials,data) {
    return "multi-tenant (the tenant comes from a verified token claim and row-level security isolates each tenant's rows)";
},"7":function(container,depth0,helpers,partials,data) {
    return "single tenant";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":2},"end":{"line":1,"column":24}}})) != null ? stack1 : "")
    + "\n\nGenerated by ["
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"tool"),"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":3,"column":14},"end":{"line":3,"column":34}}})) != null ? stack1 : "")
    + "](https://www.npmjs.com/package/create-secure-stack) "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"tool"),"version"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":3,"column":87},"end":{"line":3,"column":110}}})) != null ? stack1 : "")
    + ":\na FastAPI + Next.js + PostgreSQL + Docker + GitHub Actions stack with its security controls on by default.\n\n## Layers\n\n| Layer | Folder | What it holds | Generated |\n| ----- | ------ | ------------- | --------- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"layers"),{"name":"each","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":10,"column":0},"end":{"line":12,"column":9}}})) != null ? stack1 : "")
    + "\n## Security\n\nReport vulnerabilities to "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"securityContact"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":16,"column":26},"end":{"line":16,"column":60}}})) != null ? stack1 : "")
    + ".\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"docs"),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":17,"column":0},"end":{"line":23,"column":7}}})) != null ? stack1 : "")
    + "\n## Configuration\n\n- Identity provider: "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcIssuer"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":27,"column":21},"end":{"line":27,"column":50}}})) != null ? stack1 : "")
    + ", audience "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcAudience"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":27,"column":61},"end":{"line":27,"column":92}}})) != null ? stack1 : "")
    + ".\n- Tenancy: "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.program(7, data, 0),"data":data,"loc":{"start":{"line":28,"column":11},"end":{"line":28,"column":176}}})) != null ? stack1 : "")
    + ".\n\n## Keeping it secure\n\n`.secure-stack.yaml` records the answers this repository was generated from and a hash of every\ngenerated file. Keep it in version control: it is what lets secure-stack tell your edits apart from\ntemplate changes when it compares or upgrades this repository.\n";
},"useData":true},
  },
  "base/plopfile.mjs.hbs": {
    sha256: "3ae351dbfed379896a4899f71f20b92a0fc20ed663d9e2df73a2b01090b4ea31",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "/**\n * This repository's micro-generators, for plop: the same ones `secure-stack gen` runs (their code and templates\n * are in .secure-stack/generators/), so new components keep the stack's controls without the tool installed:\n *\n *   npx plop@4.0.5 route invoices       FastAPI router with scopes, tenant-scoped queries and attack tests\n *   npx plop@4.0.5 table invoices       migration pair under FORCE row-level security, with policy tests\n *   npx plop@4.0.5 action createInvoice Server Action that authenticates, authorizes and validates\n *   npx plop@4.0.5 page invoices        server component reading through the data access layer\n *   npx plop@4.0.5 secret stripe-key    compose file secret, its *_FILE variable, make-secrets.sh, inventory row\n *\n * A file that exists is never overwritten. `secure-stack gen` also records the component in .secure-stack.yaml.\n */\nimport path from \"node:path\";\nimport { fileURLToPath } from \"node:url\";\nimport {\n  diskIO,\n  registerGenerators,\n} from \"./.secure-stack/generators/generators.mjs\";\n\nconst root = path.dirname(fileURLToPath(import.meta.url));\n\nexport default function (plop) {\n  registerGenerators(plop, {\n    project: { dbPrefix: "
    + ((stack1 = lookupProperty(helpers,"jsStr").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"names"),"dbPrefix"),{"name":"jsStr","hash":{},"data":data,"loc":{"start":{"line":24,"column":25},"end":{"line":24,"column":49}}})) != null ? stack1 : "")
    + " },\n    io: diskIO(plop, root, path.join(root, \".secure-stack\", \"generators\")),\n  });\n}\n";
},"useData":true},
  },
  "ci/dot_github/CODEOWNERS.hbs": {
    sha256: "58c27ef5ce9d777eb5c756ee38c610d6741edd332468864177f7564061d1d117",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Owners: the security contact given at generation; add teams (@org/team) as the project grows.\n/.github/ "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"owner"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":6,"column":10},"end":{"line":6,"column":32}}})) != null ? stack1 : "")
    + "\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":7,"column":0},"end":{"line":9,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"containers"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":10,"column":0},"end":{"line":14,"column":7}}})) != null ? stack1 : "");
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "/db/ "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"ci"),"owner"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":8,"column":5},"end":{"line":8,"column":27}}})) != null ? stack1 : "")
    + "\n";
},"2":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "Dockerfile "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"owner"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":11,"column":11},"end":{"line":11,"column":33}}})) != null ? stack1 : "")
    + "\n/compose.yaml "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"owner"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":12,"column":14},"end":{"line":12,"column":36}}})) != null ? stack1 : "")
    + "\n/scripts/make-secrets.sh "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"owner"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":13,"column":25},"end":{"line":13,"column":47}}})) != null ? stack1 : "")
    + "\n";
},"3":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# The security contact given at generation is not an e-mail address, so no owner could be derived: these paths\n# are listed without an owner until you put a user (@name), a team (@org/team) or an e-mail address after each.\n/.github/\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":19,"column":0},"end":{"line":21,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"containers"),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":22,"column":0},"end":{"line":26,"column":7}}})) != null ? stack1 : "");
},"4":function(container,depth0,helpers,partials,data) {
    return "/db/\n";
},"5":function(container,depth0,helpers,partials,data) {
    return "Dockerfile\n/compose.yaml\n/scripts/make-secrets.sh\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# CI-15: changes to what runs in CI, to the images and to the database's security need a code owner's review.\n# Make it binding with a branch ruleset on main: \"Require a pull request\", \"Require review from Code Owners\",\n# required status checks (the ci and codeql workflows), and no force pushes.\n"
    + ((stack1 = lookupProperty(helpers,"if").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"ci"),"owner"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.program(3, data, 0),"data":data,"loc":{"start":{"line":4,"column":0},"end":{"line":27,"column":7}}})) != null ? stack1 : "");
},"useData":true},
  },
  "ci/dot_github/dependabot.yml.hbs": {
    sha256: "edc4bc41193346cb79e075506a284724e7a7c49763c7b4c824fc6bdf9bba8c82",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "  - package-ecosystem: pip\n    directory: /api\n    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n      semver-major-days: 14\n";
},"1":function(container,depth0,helpers,partials,data) {
    return "  - package-ecosystem: npm\n    directory: /web\n    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n      semver-major-days: 14\n";
},"2":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  - package-ecosystem: docker\n    directory: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"directory"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":34,"column":15},"end":{"line":34,"column":35}}})) != null ? stack1 : "")
    + "\n    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "  - package-ecosystem: docker-compose\n    directory: /\n    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# CI-13: Dependabot keeps every ecosystem of "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"project"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":45},"end":{"line":1,"column":68}}})) != null ? stack1 : "")
    + " current. The cooldown holds a new release back\n# for a week before it is proposed, so a malicious version caught in its first days never reaches a pull request.\nversion: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n    groups:\n      github-actions:\n        patterns: [\"*\"]\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":14,"column":0},"end":{"line":22,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":23,"column":0},"end":{"line":31,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":32,"column":0},"end":{"line":39,"column":9}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"hasImages"),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":40,"column":0},"end":{"line":47,"column":7}}})) != null ? stack1 : "");
},"useData":true},
  },
  "ci/dot_github/scripts/executable_db-policy-tests.sh.hbs": {
    sha256: "e40fff357255453900035cfe0c223d2676cb7f158154e6157c43bd08bf930931",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "#!/usr/bin/env bash\n# CI job \"db-policy\": runs the database policy tests (db/tests/run.sh) against a throwaway PostgreSQL cluster that\n# serves this repository's own db/postgresql.conf and db/pg_hba.conf, over TLS with sslmode=verify-full.\n#\n# Why the runner's PostgreSQL and not a service container: a service container starts before any step, so it\n# cannot be given the generated pg_hba.conf, postgresql.conf and a freshly made certificate, and the policy tests'\n# server checks need the superuser on the local socket as the postgres OS user (peer), exactly as pg_hba.conf\n# allows. GitHub's ubuntu-24.04 image ships PostgreSQL (not started) and openssl; this script starts its own\n# cluster in a temporary directory owned by the postgres OS user and removes it at the end.\n#\n# Steps: CA and server certificate (SAN 127.0.0.1) -> initdb (SCRAM) -> the generated configuration -> start ->\n# create the database -> db/init.sh (superuser, socket) -> db/migrate.sh up (migrator, TLS) -> db/tests/run.sh\n# (app and migrator over TLS, superuser over the socket for the server checks).\n#\n#   PG_BIN   PostgreSQL's bin directory (default: the newest under /usr/lib/postgresql)\n#   PGPORT   the port to listen on, on 127.0.0.1 only (default 5432)\nset -euo pipefail\n\nrepo=$(cd \"$(dirname \"$0\")/../..\" && pwd)\ndatabase="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"db"),"database"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":20,"column":9},"end":{"line":20,"column":38}}})) != null ? stack1 : "")
    + "\nmigrator="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"db"),"migrator"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":21,"column":9},"end":{"line":21,"column":38}}})) != null ? stack1 : "")
    + "\napp="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"db"),"app"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":22,"column":4},"end":{"line":22,"column":28}}})) != null ? stack1 : "")
    + "\nport=${PGPORT:-5432}\n\nif [ -z \"${PG_BIN:-}\" ]; then\n  PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d | sort -V | tail -n 1)\nfi\nif [ ! -x \"$PG_BIN/initdb\" ]; then\n  echo \"db-policy-tests.sh: no PostgreSQL server binaries (set PG_BIN)\" >&2\n  exit 2\nfi\n\n# The cluster runs as the postgres OS user: the runner's user through sudo, root (a local run) through runuser.\nas_postgres() {\n  if [ \"$(id -u)\" -eq 0 ]; then\n    runuser -u postgres -- \"$@\"\n  else\n    sudo -n -u postgres -- \"$@\"\n  fi\n}\n\nwork=$(as_postgres mktemp -d -t db-policy.XXXXXXXX)\ndata=\"$work/data\"\nsocket=\"$work/socket\"\n\ncleanup() {\n  status=$?\n  if [ \"$status\" -ne 0 ] && as_postgres test -f \"$work/server.log\"; then\n    echo \"--- server log ---\" >&2\n    as_postgres cat \"$work/server.log\" >&2 || true\n  fi\n  as_postgres \"$PG_BIN/pg_ctl\" -D \"$data\" -m immediate -s stop >/dev/null 2>&1 || true\n  as_postgres rm -rf \"$work\"\n  exit \"$status\"\n}\ntrap cleanup EXIT\n\n# The db/ folder, copied where the postgres OS user can read it (the checkout may not be).\ntar -C \"$repo\" -cf - db | as_postgres tar -C \"$work\" -xf -\n\nas_postgres bash -s -- \"$work\" <<'SETUP'\nset -euo pipefail\ncd \"$1\"\numask 077\nmkdir socket tls\nopenssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \\\n  -subj /CN=db-policy-tests-ca -keyout tls/ca.key -out tls/ca.crt 2>/dev/null\nopenssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \\\n  -subj /CN=127.0.0.1 -keyout tls/server.key -out tls/server.csr 2>/dev/null\nprintf 'subjectAltName=IP:127.0.0.1\\n' >tls/server.ext\nopenssl x509 -req -in tls/server.csr -CA tls/ca.crt -CAkey tls/ca.key -CAcreateserial -days 2 \\\n  -extfile tls/server.ext -out tls/server.crt 2>/dev/null\nopenssl rand -hex 24 >superuser.pw\nopenssl rand -hex 24 >app.pw\nopenssl rand -hex 24 >migrator.pw\nSETUP\n\nas_postgres \"$PG_BIN/initdb\" -D \"$data\" -U postgres --pwfile=\"$work/superuser.pw\" --auth-local=peer \\\n  --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null\nas_postgres bash -s -- \"$work\" <<'CONFIGURE'\nset -euo pipefail\ncd \"$1\"\numask 077\ncp tls/server.crt tls/server.key data/\ncp db/postgresql.conf data/secure-stack.conf\ncp db/pg_hba.conf data/pg_hba.conf\nprintf \"\\ninclude 'secure-stack.conf'\\n\" >>data/postgresql.conf\nCONFIGURE\n\nas_postgres \"$PG_BIN/pg_ctl\" -D \"$data\" -l \"$work/server.log\" -w -s -t 60 \\\n  -o \"-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$socket\" start\nas_postgres \"$PG_BIN/createdb\" -h \"$socket\" -p \"$port\" -U postgres \"$database\"\n\ntls=\"sslmode=verify-full&sslrootcert=$work/tls/ca.crt\"\nas_postgres env PATH=\"$PG_BIN:$PATH\" PGHOST=\"$socket\" PGPORT=\"$port\" PGUSER=postgres PGDATABASE=\"$database\" \\\n  APP_PASSWORD_FILE=\"$work/app.pw\" MIGRATOR_PASSWORD_FILE=\"$work/migrator.pw\" \"$work/db/init.sh\"\n\n# Passwords reach psql through a password file, never a URL or the command line.\nas_postgres bash -s -- \"$work\" \"$port\" \"$database\" \"$migrator\" \"$app\" <<'PGPASS'\nset -euo pipefail\numask 077\nprintf '127.0.0.1:%s:%s:%s:%s\\n' \"$2\" \"$3\" \"$4\" \"$(cat \"$1/migrator.pw\")\" >\"$1/pgpass\"\nprintf '127.0.0.1:%s:%s:%s:%s\\n' \"$2\" \"$3\" \"$5\" \"$(cat \"$1/app.pw\")\" >>\"$1/pgpass\"\nPGPASS\n\nas_postgres env PATH=\"$PG_BIN:$PATH\" PGPASSFILE=\"$work/pgpass\" \\\n  DATABASE_URL=\"postgresql://$migrator@127.0.0.1:$port/$database?$tls\" \"$work/db/migrate.sh\" up\n\nas_postgres env PATH=\"$PG_BIN:$PATH\" PGPASSFILE=\"$work/pgpass\" \\\n  APP_DATABASE_URL=\"postgresql://$app@127.0.0.1:$port/$database?$tls\" \\\n  MIGRATOR_DATABASE_URL=\"postgresql://$migrator@127.0.0.1:$port/$database?$tls\" \\\n  ADMIN_DATABASE_URL=\"postgresql:///$database?host=$socket&port=$port&user=postgres\" \\\n  \"$work/db/tests/run.sh\"\n";
},"useData":true},
  },
  "ci/dot_github/scripts/executable_deploy.sh.hbs": {
    sha256: "a9f1c057e6c07cde049e94ec5f66c965b958d60d808e88a8f753c56efcca5bbe",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "#   ECS_CLUSTER  the Amazon ECS cluster (repository variable ECS_CLUSTER)\n#   CONTAINER    the container of the service's task definition that runs this image\n#\n# Amazon ECS: the service's current task definition is copied with this container's image replaced by the digest,\n# registered as a new revision, and the service is updated to it; the job waits until the service is stable.\n";
},"1":function(container,depth0,helpers,partials,data) {
    return "#   GCP_REGION        the Cloud Run region (repository variable GCP_REGION)\n#   GCP_GHCR_MIRROR   an Artifact Registry remote repository that proxies ghcr.io, e.g.\n#                     europe-docker.pkg.dev/<project>/ghcr (repository variable GCP_GHCR_MIRROR)\n#\n# Cloud Run pulls from Artifact Registry, so the image is named through the remote repository; the digest is\n# unchanged, and Cloud Run runs exactly the attested image.\n";
},"2":function(container,depth0,helpers,partials,data) {
    return "#   AZURE_RESOURCE_GROUP  the resource group of the container app (repository variable AZURE_RESOURCE_GROUP)\n#\n# Azure Container Apps: the app's container is updated to the digest, which starts a new revision.\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "cluster=${ECS_CLUSTER:?set ECS_CLUSTER (repository variable) to the ECS cluster}\ncontainer=${CONTAINER:?set CONTAINER to the container name in the task definition}\n\ncurrent=$(aws ecs describe-services --cluster \"$cluster\" --services \"$service\" \\\n  --query 'services[0].taskDefinition' --output text)\ndefinition=$(mktemp)\ntrap 'rm -f \"$definition\"' EXIT\naws ecs describe-task-definition --task-definition \"$current\" --query taskDefinition --output json |\n  jq --arg container \"$container\" --arg image \"$image\" '\n    if any(.containerDefinitions[]; .name == $container) then . else error(\"no container \\($container) in the task definition\") end\n    | (.containerDefinitions[] | select(.name == $container) | .image) = $image\n    | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy)' \\\n    >\"$definition\"\nrevision=$(aws ecs register-task-definition --cli-input-json \"file://$definition\" \\\n  --query taskDefinition.taskDefinitionArn --output text)\naws ecs update-service --cluster \"$cluster\" --service \"$service\" --task-definition \"$revision\" >/dev/null\naws ecs wait services-stable --cluster \"$cluster\" --services \"$service\"\necho \"deploy.sh: $service runs $revision ($image)\"\n";
},"4":function(container,depth0,helpers,partials,data) {
    return "region=${GCP_REGION:?set GCP_REGION (repository variable) to the Cloud Run region}\nmirror=${GCP_GHCR_MIRROR:?set GCP_GHCR_MIRROR (repository variable) to the Artifact Registry remote repository for ghcr.io}\ncase \"$image\" in\n  ghcr.io/*) ;;\n  *)\n    echo \"deploy.sh: $image is not a ghcr.io image\" >&2\n    exit 2\n    ;;\nesac\ngcloud run deploy \"$service\" --image \"${mirror%/}/${image#ghcr.io/}\" --region \"$region\" --quiet\necho \"deploy.sh: $service runs ${mirror%/}/${image#ghcr.io/}\"\n";
},"5":function(container,depth0,helpers,partials,data) {
    return "group=${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP (repository variable) to the resource group of the container app}\n\naz containerapp update --name \"$service\" --resource-group \"$group\" --image \"$image\" --output none\necho \"deploy.sh: $service runs $image\"\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "#!/usr/bin/env bash\n# CI job \"deploy\": rolls one service out to the image digest that the publish job pushed, scanned and attested.\n# Runs after the OIDC login step of the same job, so it holds short-lived cloud credentials and no stored key.\n#\n#   IMAGE    ghcr.io/<owner>/<repo>/<service>@sha256:<digest>   (set by the workflow)\n#   SERVICE  the cloud service to update (repository variable DEPLOY_API_SERVICE / DEPLOY_WEB_SERVICE)\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":7,"column":6},"end":{"line":7,"column":30}}}),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":7,"column":0},"end":{"line":13,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"gcp",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":14,"column":6},"end":{"line":14,"column":30}}}),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":14,"column":0},"end":{"line":21,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"azure",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":22,"column":6},"end":{"line":22,"column":32}}}),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":22,"column":0},"end":{"line":26,"column":7}}})) != null ? stack1 : "")
    + "set -euo pipefail\n\nimage=${IMAGE:?set IMAGE to the image reference with its digest}\nservice=${SERVICE:?set SERVICE (repository variable) to the service to update}\ncase \"$image\" in\n  *@sha256:*) ;;\n  *)\n    echo \"deploy.sh: $image is not pinned by digest; refusing to deploy it\" >&2\n    exit 2\n    ;;\nesac\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":38,"column":6},"end":{"line":38,"column":30}}}),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":38,"column":0},"end":{"line":57,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"gcp",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":58,"column":6},"end":{"line":58,"column":30}}}),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":58,"column":0},"end":{"line":70,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"azure",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":71,"column":6},"end":{"line":71,"column":32}}}),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":71,"column":0},"end":{"line":76,"column":7}}})) != null ? stack1 : "");
},"useData":true},
  },
  "ci/dot_github/workflows/README.md.hbs": {
    sha256: "172c372fd66747084fd4d8f53bd4ee8e514da3d97c9d70143357082720a71cb6",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "| `api-tests` | always | `contents: read` | the API's attack suite (`api/tests`) |\n";
},"1":function(container,depth0,helpers,partials,data) {
    return "| `web-build` | always | `contents: read` | `npm ci` from the lockfile, `npm run build`, `npm test` in `web/` |\n";
},"2":function(container,depth0,helpers,partials,data) {
    return "| `db-policy` | always | `contents: read` | `db/tests/run.sh` on a throwaway PostgreSQL cluster (see below) |\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "; hadolint warnings in the Dockerfiles";
},"4":function(container,depth0,helpers,partials,data) {
    return "| `config-scan` | always | `contents: read`, `security-events: write` | Trivy finds a HIGH or CRITICAL misconfiguration (Dockerfiles, compose) |\n";
},"5":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| `image-scan-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":27,"column":14},"end":{"line":27,"column":28}}})) != null ? stack1 : "")
    + "` | always | `contents: read`, `security-events: write` | Trivy finds a HIGH or CRITICAL vulnerability with a fix in the image |\n| `publish-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":28,"column":11},"end":{"line":28,"column":25}}})) != null ? stack1 : "")
    + "` | push to `main`, after every gate | `contents: read`, `packages: write`, `id-token: write`, `attestations: write` | push by digest to ghcr.io, Trivy on that digest, SPDX SBOM, build-provenance attestation |\n";
},"6":function(container,depth0,helpers,partials,data) {
    return "| `deploy` | push to `main`, after the tests, `secure-stack-check`, the image scans and the attestations; environment `production` | `contents: read`, `packages: read`, `attestations: read`, `id-token: write` | `gh attestation verify` of each digest, then `scripts/deploy.sh` |\n| `rollback` (own workflow) | run by hand with a service and an earlier digest; environment `production` | `contents: read`, `packages: read`, `attestations: read`, `id-token: write` | `gh attestation verify` of that digest (built by `ci.yml` on `main`), then `scripts/deploy.sh` |\n";
},"7":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(data,"index"),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":34,"column":130},"end":{"line":34,"column":153}}})) != null ? stack1 : "")
    + "`"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,depth0,{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":34,"column":154},"end":{"line":34,"column":168}}})) != null ? stack1 : "")
    + "`";
},"8":function(container,depth0,helpers,partials,data) {
    return ", ";
},"9":function(container,depth0,helpers,partials,data) {
    return "- **Environment `production`**: add required reviewers and allow the `main` branch only (CI-07). It is the only\n  place where the cloud trusts this repository.\n";
},"10":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n## Deploying to AWS (Amazon ECS)\n\nThe `deploy` job signs in with OpenID Connect (CI-06): no AWS key is stored in GitHub. Create an IAM OIDC identity\nprovider for `https://token.actions.githubusercontent.com` (audience `sts.amazonaws.com`) and a role whose trust\npolicy allows `sts:AssumeRoleWithWebIdentity` only when `token.actions.githubusercontent.com:aud` is\n`sts.amazonaws.com` and `token.actions.githubusercontent.com:sub` is exactly\n`repo:<owner>/<repo>:environment:production`. Give the role `ecs:DescribeServices`, `ecs:DescribeTaskDefinition`,\n`ecs:RegisterTaskDefinition`, `ecs:UpdateService` and `iam:PassRole` on the task roles.\n\nRepository variables: `AWS_DEPLOY_ROLE_ARN`, `AWS_REGION`, `ECS_CLUSTER`"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(11, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":70,"column":72},"end":{"line":70,"column":129}}})) != null ? stack1 : "")
    + "\n(the ECS services; each task definition has a container named after its service: "
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(12, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":71,"column":81},"end":{"line":71,"column":148}}})) != null ? stack1 : "")
    + ").\n";
},"11":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ", `"
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"serviceVariable"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":70,"column":94},"end":{"line":70,"column":119}}})) != null ? stack1 : "")
    + "`";
},"12":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(data,"index"),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":71,"column":100},"end":{"line":71,"column":123}}})) != null ? stack1 : "")
    + "`"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":71,"column":124},"end":{"line":71,"column":138}}})) != null ? stack1 : "")
    + "`";
},"13":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n## Deploying to Google Cloud (Cloud Run)\n\nThe `deploy` job signs in with Workload Identity Federation (CI-06): no service-account key is stored in GitHub.\nCreate a workload identity pool and an OIDC provider for `https://token.actions.githubusercontent.com` with the\nattribute condition `assertion.sub == 'repo:<owner>/<repo>:environment:production'`, and let that principal\nimpersonate a deploy service account that has `roles/run.developer` and `roles/iam.serviceAccountUser` on the\nruntime service account. Cloud Run pulls from Artifact Registry: create a remote repository whose upstream is\n`https://ghcr.io`.\n\nRepository variables: `GCP_WORKLOAD_IDENTITY_PROVIDER` (`projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`),\n`GCP_SERVICE_ACCOUNT`, `GCP_REGION`, `GCP_GHCR_MIRROR` (the remote repository, e.g.\n`europe-docker.pkg.dev/<project>/ghcr`)"
    + ((stack1 = lookupProperty(helpers,"each").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(11, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":86,"column":39},"end":{"line":86,"column":96}}})) != null ? stack1 : "")
    + " (the Cloud Run services).\n";
},"14":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n## Deploying to Azure (Container Apps)\n\nThe `deploy` job signs in with OpenID Connect (CI-06): no client secret is stored in GitHub. Register an\napplication (or a user-assigned managed identity) with a federated credential for issuer\n`https://token.actions.githubusercontent.com`, subject `repo:<owner>/<repo>:environment:production` and audience\n`api://AzureADTokenExchange`, and give it the `Contributor` role on the container apps' resource group only.\n\nRepository variables: `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP`"
    + ((stack1 = lookupProperty(helpers,"each").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(15, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":97,"column":107},"end":{"line":98,"column":36}}})) != null ? stack1 : "")
    + " (the container apps).\n";
},"15":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ",\n`"
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"serviceVariable"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":98,"column":1},"end":{"line":98,"column":26}}})) != null ? stack1 : "")
    + "`";
},"16":function(container,depth0,helpers,partials,data) {
    return "\n## Database policy tests in CI\n\n`scripts/db-policy-tests.sh` starts the runner's own PostgreSQL (GitHub's `ubuntu-24.04` image ships it, not\nrunning) in a temporary directory owned by the `postgres` OS user, with this repository's `db/postgresql.conf` and\n`db/pg_hba.conf` and a certificate made for the run, then runs `db/init.sh`, `db/migrate.sh up` and\n`db/tests/run.sh`: the app and migrator roles connect over TLS with `sslmode=verify-full`, the superuser over the\nlocal socket as `pg_hba.conf` allows. A service container could not start with the generated configuration. Run\nit locally the same way (as root, or as a user who may `sudo -u postgres`).\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# CI/CD of "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":11},"end":{"line":1,"column":33}}})) != null ? stack1 : "")
    + "\n\n`ci.yml` runs on every push and pull request to `main`; `codeql.yml` also runs weekly. Dependabot\n(`../dependabot.yml`) proposes updates; `../CODEOWNERS` names who must review the files that change what runs.\n\n## Jobs\n\n| Job | When | Token permissions | What fails it |\n| --- | ---- | ----------------- | ------------- |\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":10,"column":0},"end":{"line":12,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":13,"column":0},"end":{"line":15,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":16,"column":0},"end":{"line":18,"column":7}}})) != null ? stack1 : "")
    + "| `secret-scan` | always | `contents: read` | gitleaks finds a secret in the pushed history |\n| `dependency-review` | pull requests | `contents: read` | a new dependency with a known high or critical vulnerability |\n| `lint` | always | `contents: read`, `security-events: write` | zizmor and actionlint findings in the workflows"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"hasImages"),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":21,"column":112},"end":{"line":21,"column":177}}})) != null ? stack1 : "")
    + " |\n| `secure-stack-check` | always | `contents: read`, `security-events: write` | `secure-stack check` ("
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"checkPackage"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":22,"column":101},"end":{"line":22,"column":127}}})) != null ? stack1 : "")
    + ", the version that generated this repository) finds a high or critical control gap; every finding goes to code scanning |\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"hasImages"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":23,"column":0},"end":{"line":25,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":26,"column":0},"end":{"line":29,"column":9}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"deploy"),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":30,"column":0},"end":{"line":33,"column":7}}})) != null ? stack1 : "")
    + "| `codeql` (own workflow) | always, and weekly | `contents: read`, `security-events: write` | CodeQL ("
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"codeqlLanguages"),{"name":"each","hash":{},"fn":container.program(7, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":34,"column":102},"end":{"line":34,"column":178}}})) != null ? stack1 : "")
    + ") results go to code scanning |\n| `scorecard` (own workflow) | pushes to `main`, weekly, on demand | `contents: read`, `security-events: write` | OpenSSF Scorecard results go to code scanning (not published: no `id-token`) |\n\nEvery workflow starts from `permissions: {}` and each job asks only for what it uses (CI-01). Every action is\npinned to a full commit SHA with its version in a comment (CI-02); Dependabot updates the SHA and the comment\ntogether. Checkouts never keep the token (`persist-credentials: false`, CI-03). No workflow runs on\n`pull_request_target` or `workflow_run` (CI-04), and no `run:` script contains a `${{ github.event.* }}`, `github.head_ref` or `inputs.*`\nexpression: values reach scripts through `env:` (CI-05). The first step of every job is step-security/harden-runner in\n`audit` mode (CI-14): once its insights show the endpoints each job needs, switch to `egress-policy: block` with\n`allowed-endpoints`.\n\n`secure-stack-check` runs `secure-stack check` of exactly the create-secure-stack version that generated this\nrepository (upgrading the project moves it), with npm lifecycle scripts off. To accept a finding, add a suppression\nwith a reason and an owner to `.secure-stack.yaml` (`secure-stack check --help`) instead of weakening the job.\n\n## Setting up the repository\n\n- **Code scanning**: enable it (Settings → Code security), with secret scanning and push protection.\n- **Branch ruleset on `main`**: require pull requests with a review from Code Owners, require the status checks of\n  `ci` and `codeql`, block force pushes and deletions (CI-15).\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"deploy"),{"name":"if","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":54,"column":0},"end":{"line":57,"column":7}}})) != null ? stack1 : "")
    + "- **Organisation-owned repository**: gitleaks needs a free licence key in the `GITLEAKS_LICENSE` secret.\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":59,"column":6},"end":{"line":59,"column":30}}}),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":59,"column":0},"end":{"line":72,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"gcp",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":73,"column":6},"end":{"line":73,"column":30}}}),{"name":"if","hash":{},"fn":container.program(13, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":73,"column":0},"end":{"line":87,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"azure",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":88,"column":6},"end":{"line":88,"column":32}}}),{"name":"if","hash":{},"fn":container.program(14, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":88,"column":0},"end":{"line":99,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(16, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":100,"column":0},"end":{"line":110,"column":7}}})) != null ? stack1 : "")
    + "\n## Not automated here\n\n- The API's Python dependencies are installed from `api/pyproject.toml` ranges, not a hashed lock file (CI-16):\n  add one (`uv lock`, or `pip-compile --generate-hashes`) and install with `--require-hashes` when you pin them.\n";
},"useData":true},
  },
  "ci/dot_github/workflows/ci.yml.hbs": {
    sha256: "7cc2b255f2c92a973f746fec36a0192d1f123dee992b3f6af1161966acdda81e",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return ", and the deploy";
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  api-tests:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 15\n    permissions:\n      contents: read\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":27,"column":14},"end":{"line":27,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":30,"column":14},"end":{"line":30,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"setupPython"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":33,"column":14},"end":{"line":33,"column":52}}})) != null ? stack1 : "")
    + "\n        with:\n          python-version: \"3.12\"\n      - name: Install the API and its test dependencies\n        working-directory: api\n        run: python -m pip install --disable-pip-version-check -e '.[test]'\n      - name: Attack suite\n        working-directory: api\n        run: python -m pytest -q\n\n";
},"2":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  web-build:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 15\n    permissions:\n      contents: read\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":51,"column":14},"end":{"line":51,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":54,"column":14},"end":{"line":54,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"setupNode"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":57,"column":14},"end":{"line":57,"column":50}}})) != null ? stack1 : "")
    + "\n        with:\n          node-version: \"22\"\n      # CI-16: lockfile installs only; no lifecycle scripts of dependencies.\n      - name: Install from the lockfile\n        working-directory: web\n        run: npm ci --ignore-scripts --no-audit --no-fund\n      - name: Build\n        working-directory: web\n        run: npm run build\n      - name: Test\n        working-directory: web\n        run: npm test\n\n";
},"3":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  db-policy:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 15\n    permissions:\n      contents: read\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":79,"column":14},"end":{"line":79,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":82,"column":14},"end":{"line":82,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      # The runner's own PostgreSQL, not a service container: the cluster must start with this repository's\n      # postgresql.conf, pg_hba.conf and a fresh TLS certificate, and the server checks need the superuser on the\n      # local socket. The script explains the steps; every role connects over TLS with sslmode=verify-full.\n      - name: Policy tests on a throwaway PostgreSQL cluster over TLS\n        run: .github/scripts/db-policy-tests.sh\n\n";
},"4":function(container,depth0,helpers,partials,data) {
    return ", hadolint the Dockerfiles";
},"5":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - name: hadolint "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":149,"column":23},"end":{"line":149,"column":37}}})) != null ? stack1 : "")
    + "\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"hadolint"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":150,"column":14},"end":{"line":150,"column":55}}})) != null ? stack1 : "")
    + "\n        with:\n          dockerfile: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(depth0,"dockerfile"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":152,"column":22},"end":{"line":152,"column":43}}})) != null ? stack1 : "")
    + "\n          failure-threshold: warning\n";
},"6":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n  config-scan:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    permissions:\n      contents: read\n      security-events: write\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":201,"column":14},"end":{"line":201,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":204,"column":14},"end":{"line":204,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      # CI-10: misconfigurations in the Dockerfiles and compose file, to code scanning, then the gate.\n      - name: Trivy config scan (SARIF)\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"trivy"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":209,"column":14},"end":{"line":209,"column":46}}})) != null ? stack1 : "")
    + "\n        with:\n          scan-type: config\n          scan-ref: .\n          format: sarif\n          output: trivy-config.sarif\n          exit-code: \"0\"\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"codeqlUploadSarif"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":216,"column":14},"end":{"line":216,"column":58}}})) != null ? stack1 : "")
    + "\n        if: always()\n        with:\n          sarif_file: trivy-config.sarif\n          category: trivy-config\n      - name: Trivy config gate (HIGH, CRITICAL)\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"trivy"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":222,"column":14},"end":{"line":222,"column":46}}})) != null ? stack1 : "")
    + "\n        with:\n          scan-type: config\n          scan-ref: .\n          severity: HIGH,CRITICAL\n          exit-code: \"1\"\n";
},"7":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n  image-scan-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":231,"column":13},"end":{"line":231,"column":27}}})) != null ? stack1 : "")
    + ":\n    runs-on: ubuntu-24.04\n    timeout-minutes: 20\n    permissions:\n      contents: read\n      security-events: write\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":238,"column":14},"end":{"line":238,"column":59}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":241,"column":14},"end":{"line":241,"column":55}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"setupBuildx"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":244,"column":14},"end":{"line":244,"column":58}}})) != null ? stack1 : "")
    + "\n      - name: Build the "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":245,"column":24},"end":{"line":245,"column":38}}})) != null ? stack1 : "")
    + " image\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"buildPush"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":246,"column":14},"end":{"line":246,"column":56}}})) != null ? stack1 : "")
    + "\n        with:\n          context: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(depth0,"context"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":248,"column":19},"end":{"line":248,"column":37}}})) != null ? stack1 : "")
    + "\n          file: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(depth0,"dockerfile"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":249,"column":16},"end":{"line":249,"column":37}}})) != null ? stack1 : "")
    + "\n          load: true\n          push: false\n          tags: local/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":252,"column":22},"end":{"line":252,"column":36}}})) != null ? stack1 : "")
    + ":scan\n      # CI-10: every finding to code scanning; the build fails on HIGH or CRITICAL vulnerabilities that have a fix.\n      - name: Trivy image scan (SARIF)\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"trivy"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":255,"column":14},"end":{"line":255,"column":52}}})) != null ? stack1 : "")
    + "\n        with:\n          scan-type: image\n          image-ref: local/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":258,"column":27},"end":{"line":258,"column":41}}})) != null ? stack1 : "")
    + ":scan\n          format: sarif\n          output: trivy-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":260,"column":24},"end":{"line":260,"column":38}}})) != null ? stack1 : "")
    + ".sarif\n          exit-code: \"0\"\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"codeqlUploadSarif"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":262,"column":14},"end":{"line":262,"column":64}}})) != null ? stack1 : "")
    + "\n        if: always()\n        with:\n          sarif_file: trivy-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":265,"column":28},"end":{"line":265,"column":42}}})) != null ? stack1 : "")
    + ".sarif\n          category: trivy-image-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":266,"column":32},"end":{"line":266,"column":46}}})) != null ? stack1 : "")
    + "\n      - name: Trivy image gate (fixed HIGH, CRITICAL)\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"trivy"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":268,"column":14},"end":{"line":268,"column":52}}})) != null ? stack1 : "")
    + "\n        with:\n          scan-type: image\n          image-ref: local/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":271,"column":27},"end":{"line":271,"column":41}}})) != null ? stack1 : "")
    + ":scan\n          severity: HIGH,CRITICAL\n          ignore-unfixed: true\n          exit-code: \"1\"\n\n  # Publication: main only, after every gate. The image is pushed by digest (no tag to move), scanned again by\n  # that digest, described by an SBOM and given a build-provenance attestation.\n  publish-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":278,"column":10},"end":{"line":278,"column":24}}})) != null ? stack1 : "")
    + ":\n    if: github.event_name == 'push' && github.ref == 'refs/heads/main'\n    needs:\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(lookupProperty(data,"root"),"has"),"api"),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":281,"column":0},"end":{"line":283,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(lookupProperty(data,"root"),"has"),"web"),{"name":"if","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":284,"column":0},"end":{"line":286,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(lookupProperty(data,"root"),"has"),"db"),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":287,"column":0},"end":{"line":289,"column":7}}})) != null ? stack1 : "")
    + "      - secret-scan\n      - lint\n      - secure-stack-check\n      - config-scan\n      - image-scan-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":294,"column":19},"end":{"line":294,"column":33}}})) != null ? stack1 : "")
    + "\n    runs-on: ubuntu-24.04\n    timeout-minutes: 30\n    permissions:\n      contents: read\n      packages: write\n      # CI-12: actions/attest-build-provenance signs with a Sigstore certificate issued for this workflow's OIDC token.\n      id-token: write\n      attestations: write\n    outputs:\n      image: ${{ steps.name.outputs.image }}\n      digest: ${{ steps.build.outputs.digest }}\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":307,"column":14},"end":{"line":307,"column":59}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":310,"column":14},"end":{"line":310,"column":55}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - name: Image name\n        id: name\n        run: echo \"image=ghcr.io/${GITHUB_REPOSITORY,,}/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":315,"column":56},"end":{"line":315,"column":70}}})) != null ? stack1 : "")
    + "\" >> \"$GITHUB_OUTPUT\"\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"setupBuildx"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":316,"column":14},"end":{"line":316,"column":58}}})) != null ? stack1 : "")
    + "\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"login"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":317,"column":14},"end":{"line":317,"column":52}}})) != null ? stack1 : "")
    + "\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n      - name: Build and push by digest\n        id: build\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"buildPush"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":324,"column":14},"end":{"line":324,"column":56}}})) != null ? stack1 : "")
    + "\n        with:\n          context: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(depth0,"context"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":326,"column":19},"end":{"line":326,"column":37}}})) != null ? stack1 : "")
    + "\n          file: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(depth0,"dockerfile"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":327,"column":16},"end":{"line":327,"column":37}}})) != null ? stack1 : "")
    + "\n          outputs: type=image,name=${{ steps.name.outputs.image }},push-by-digest=true,name-canonical=true,push=true\n      - name: Trivy gate on the pushed digest (fixed HIGH, CRITICAL)\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"trivy"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":330,"column":14},"end":{"line":330,"column":52}}})) != null ? stack1 : "")
    + "\n        env:\n          TRIVY_USERNAME: ${{ github.actor }}\n          TRIVY_PASSWORD: ${{ secrets.GITHUB_TOKEN }}\n        with:\n          scan-type: image\n          image-ref: ${{ steps.name.outputs.image }}@${{ steps.build.outputs.digest }}\n          severity: HIGH,CRITICAL\n          ignore-unfixed: true\n          exit-code: \"1\"\n      # CI-11: an SPDX SBOM of the published image, kept as a workflow artifact.\n      - name: SBOM\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"sbom"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":342,"column":14},"end":{"line":342,"column":51}}})) != null ? stack1 : "")
    + "\n        with:\n          image: ${{ steps.name.outputs.image }}@${{ steps.build.outputs.digest }}\n          registry-username: ${{ github.actor }}\n          registry-password: ${{ secrets.GITHUB_TOKEN }}\n          format: spdx-json\n          output-file: sbom-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":348,"column":28},"end":{"line":348,"column":42}}})) != null ? stack1 : "")
    + ".spdx.json\n          upload-artifact: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"uploadArtifact"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":350,"column":14},"end":{"line":350,"column":61}}})) != null ? stack1 : "")
    + "\n        with:\n          name: sbom-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":352,"column":21},"end":{"line":352,"column":35}}})) != null ? stack1 : "")
    + "\n          path: sbom-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":353,"column":21},"end":{"line":353,"column":35}}})) != null ? stack1 : "")
    + ".spdx.json\n          if-no-files-found: error\n      - name: Build-provenance attestation\n        uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(lookupProperty(data,"root"),"ci"),"pins"),"attestBuildProvenance"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":356,"column":14},"end":{"line":356,"column":68}}})) != null ? stack1 : "")
    + "\n        with:\n          subject-name: ${{ steps.name.outputs.image }}\n          subject-digest: ${{ steps.build.outputs.digest }}\n          push-to-registry: true\n          create-storage-record: false\n";
},"8":function(container,depth0,helpers,partials,data) {
    return "      - api-tests\n";
},"9":function(container,depth0,helpers,partials,data) {
    return "      - web-build\n";
},"10":function(container,depth0,helpers,partials,data) {
    return "      - db-policy\n";
},"11":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n  # CI-06, CI-07: the only job with id-token: write for a cloud; it runs in the \"production\" environment (give it\n  # required reviewers and restrict it to main in the repository settings) and deploys the attested digests.\n  # The release gate: it waits on the tests, the secure-stack check, every image scan and every attestation\n  # (docs/security/release-checklist.md lists which gate enforces which control). The rollback workflow\n  # shares its concurrency group.\n  deploy:\n    if: github.event_name == 'push' && github.ref == 'refs/heads/main'\n    needs:\n      - secure-stack-check\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":374,"column":0},"end":{"line":376,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":377,"column":0},"end":{"line":379,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":380,"column":0},"end":{"line":382,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(12, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":383,"column":0},"end":{"line":386,"column":9}}})) != null ? stack1 : "")
    + "    runs-on: ubuntu-24.04\n    timeout-minutes: 30\n    environment: production\n    concurrency:\n      group: production-deploy\n      cancel-in-progress: false\n    permissions:\n      contents: read\n      packages: read\n      attestations: read\n      id-token: write\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":399,"column":14},"end":{"line":399,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":402,"column":14},"end":{"line":402,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"login"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":405,"column":14},"end":{"line":405,"column":46}}})) != null ? stack1 : "")
    + "\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n      # CI-12: deploy nothing whose provenance this repository's workflow did not attest.\n      - name: Verify the attestations\n        env:\n          GH_TOKEN: ${{ github.token }}\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(13, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":414,"column":0},"end":{"line":416,"column":9}}})) != null ? stack1 : "")
    + "        run: |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(14, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":418,"column":0},"end":{"line":420,"column":9}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":421,"column":6},"end":{"line":421,"column":30}}}),{"name":"if","hash":{},"fn":container.program(15, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":421,"column":0},"end":{"line":427,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"gcp",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":428,"column":6},"end":{"line":428,"column":30}}}),{"name":"if","hash":{},"fn":container.program(16, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":428,"column":0},"end":{"line":433,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"azure",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":434,"column":6},"end":{"line":434,"column":32}}}),{"name":"if","hash":{},"fn":container.program(17, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":434,"column":0},"end":{"line":440,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(18, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":441,"column":0},"end":{"line":458,"column":9}}})) != null ? stack1 : "");
},"12":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - image-scan-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":384,"column":19},"end":{"line":384,"column":33}}})) != null ? stack1 : "")
    + "\n      - publish-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":385,"column":16},"end":{"line":385,"column":30}}})) != null ? stack1 : "")
    + "\n";
},"13":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "          IMAGE_"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":415,"column":16},"end":{"line":415,"column":30}}})) != null ? stack1 : "")
    + ": ${{ needs.publish-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":415,"column":51},"end":{"line":415,"column":65}}})) != null ? stack1 : "")
    + ".outputs.image }}@${{ needs.publish-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":415,"column":102},"end":{"line":415,"column":116}}})) != null ? stack1 : "")
    + ".outputs.digest }}\n";
},"14":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "          gh attestation verify \"oci://$IMAGE_"
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":419,"column":46},"end":{"line":419,"column":60}}})) != null ? stack1 : "")
    + "\" --repo \"$GITHUB_REPOSITORY\"\n";
},"15":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"awsCredentials"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":422,"column":14},"end":{"line":422,"column":55}}})) != null ? stack1 : "")
    + "\n        with:\n          role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}\n          aws-region: ${{ vars.AWS_REGION }}\n          role-session-name: github-deploy\n";
},"16":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"gcpAuth"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":429,"column":14},"end":{"line":429,"column":48}}})) != null ? stack1 : "")
    + "\n        with:\n          workload_identity_provider: ${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}\n          service_account: ${{ vars.GCP_SERVICE_ACCOUNT }}\n";
},"17":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"azureLogin"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":435,"column":14},"end":{"line":435,"column":51}}})) != null ? stack1 : "")
    + "\n        with:\n          client-id: ${{ vars.AZURE_CLIENT_ID }}\n          tenant-id: ${{ vars.AZURE_TENANT_ID }}\n          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n";
},"18":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - name: Deploy "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":442,"column":21},"end":{"line":442,"column":35}}})) != null ? stack1 : "")
    + "\n        env:\n          IMAGE: ${{ needs.publish-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":444,"column":36},"end":{"line":444,"column":50}}})) != null ? stack1 : "")
    + ".outputs.image }}@${{ needs.publish-"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":444,"column":87},"end":{"line":444,"column":101}}})) != null ? stack1 : "")
    + ".outputs.digest }}\n          SERVICE: ${{ vars."
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"serviceVariable"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":445,"column":29},"end":{"line":445,"column":54}}})) != null ? stack1 : "")
    + " }}\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(lookupProperty(data,"root"),"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":446,"column":6},"end":{"line":446,"column":36}}}),{"name":"if","hash":{},"fn":container.program(19, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":446,"column":0},"end":{"line":449,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(lookupProperty(data,"root"),"answers"),"cloud"),"gcp",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":450,"column":6},"end":{"line":450,"column":36}}}),{"name":"if","hash":{},"fn":container.program(20, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":450,"column":0},"end":{"line":453,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(lookupProperty(data,"root"),"answers"),"cloud"),"azure",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":454,"column":6},"end":{"line":454,"column":38}}}),{"name":"if","hash":{},"fn":container.program(21, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":454,"column":0},"end":{"line":456,"column":7}}})) != null ? stack1 : "")
    + "        run: .github/scripts/deploy.sh\n";
},"19":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "          ECS_CLUSTER: ${{ vars.ECS_CLUSTER }}\n          CONTAINER: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"name"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":448,"column":21},"end":{"line":448,"column":36}}})) != null ? stack1 : "")
    + "\n";
},"20":function(container,depth0,helpers,partials,data) {
    return "          GCP_REGION: ${{ vars.GCP_REGION }}\n          GCP_GHCR_MIRROR: ${{ vars.GCP_GHCR_MIRROR }}\n";
},"21":function(container,depth0,helpers,partials,data) {
    return "          AZURE_RESOURCE_GROUP: ${{ vars.AZURE_RESOURCE_GROUP }}\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# CI for "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"project"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":9},"end":{"line":1,"column":32}}})) != null ? stack1 : "")
    + ": tests, scanning gates, image build and publication"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"deploy"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":1,"column":84},"end":{"line":1,"column":124}}})) != null ? stack1 : "")
    + ".\n# Controls CI-01 to CI-17 (see .github/workflows/README.md). Every action is pinned to a full commit SHA with its\n# version in a comment; the pins come from create-secure-stack's data/actions-pins.yaml.\nname: ci\n\non:\n  push:\n    branches: [main]\n  pull_request:\n    branches: [main]\n\n# CI-01: the token has no permission unless a job asks for one.\npermissions: {}\n\nconcurrency:\n  group: ci-${{ github.ref }}\n  cancel-in-progress: ${{ github.event_name == 'pull_request' }}\n\njobs:\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":20,"column":0},"end":{"line":43,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":44,"column":0},"end":{"line":71,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":72,"column":0},"end":{"line":91,"column":7}}})) != null ? stack1 : "")
    + "  secret-scan:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    permissions:\n      contents: read\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":98,"column":14},"end":{"line":98,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":101,"column":14},"end":{"line":101,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n          fetch-depth: 0\n      # CI-10: gitleaks over the pushed commits; GITLEAKS_LICENSE is required for organisation-owned repositories.\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"gitleaks"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":106,"column":14},"end":{"line":106,"column":49}}})) != null ? stack1 : "")
    + "\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n          GITLEAKS_LICENSE: ${{ secrets.GITLEAKS_LICENSE }}\n          GITLEAKS_ENABLE_COMMENTS: \"false\"\n\n  dependency-review:\n    if: github.event_name == 'pull_request'\n    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    permissions:\n      contents: read\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":119,"column":14},"end":{"line":119,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      # CI-10: a pull request that adds a dependency with a known high or critical vulnerability fails.\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"dependencyReview"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":123,"column":14},"end":{"line":123,"column":57}}})) != null ? stack1 : "")
    + "\n        with:\n          fail-on-severity: high\n          comment-summary-in-pr: never\n\n  lint:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    permissions:\n      contents: read\n      security-events: write\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":135,"column":14},"end":{"line":135,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":138,"column":14},"end":{"line":138,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      # CI-17: zizmor audits the workflows (SARIF to code scanning), actionlint checks them and their run:\n      # scripts (with the runner's shellcheck)"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"hasImages"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":142,"column":46},"end":{"line":142,"column":99}}})) != null ? stack1 : "")
    + ".\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"zizmor"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":143,"column":14},"end":{"line":143,"column":47}}})) != null ? stack1 : "")
    + "\n      - name: actionlint\n        env:\n          ACTIONLINT: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"actionlint"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":146,"column":22},"end":{"line":146,"column":46}}})) != null ? stack1 : "")
    + "\n        run: go run \"$ACTIONLINT\" -color\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":148,"column":0},"end":{"line":154,"column":9}}})) != null ? stack1 : "")
    + "\n  # The repository against the control catalog it was generated from, by the exact create-secure-stack version\n  # that generated it (its files are parsed, never run): every finding to code scanning, and the job fails on a\n  # high or critical one. Accept a finding only with a reason, in the suppressions of .secure-stack.yaml.\n  secure-stack-check:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 10\n    permissions:\n      contents: read\n      security-events: write\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":166,"column":14},"end":{"line":166,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":169,"column":14},"end":{"line":169,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"setupNode"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":172,"column":14},"end":{"line":172,"column":50}}})) != null ? stack1 : "")
    + "\n        with:\n          node-version: \"22\"\n      # Exit 1 (a high or critical finding) fails this step after the report is written; the upload still runs.\n      - name: secure-stack check (SARIF, fails on high)\n        env:\n          SECURE_STACK_PACKAGE: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"checkPackage"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":178,"column":32},"end":{"line":178,"column":58}}})) != null ? stack1 : "")
    + "\n          npm_config_ignore_scripts: \"true\"\n        run: npx --yes --package \"$SECURE_STACK_PACKAGE\" -- secure-stack check . --format sarif --fail-on high > secure-stack.sarif\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"codeqlUploadSarif"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":181,"column":14},"end":{"line":181,"column":58}}})) != null ? stack1 : "")
    + "\n        if: always()\n        with:\n          sarif_file: secure-stack.sarif\n          category: secure-stack\n      - name: The findings, readable in the log\n        if: failure()\n        env:\n          SECURE_STACK_PACKAGE: "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"checkPackage"),{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":189,"column":32},"end":{"line":189,"column":58}}})) != null ? stack1 : "")
    + "\n          npm_config_ignore_scripts: \"true\"\n        run: npx --yes --package \"$SECURE_STACK_PACKAGE\" -- secure-stack check . --fail-on high\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"hasImages"),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":192,"column":0},"end":{"line":228,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(7, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":229,"column":0},"end":{"line":362,"column":9}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"deploy"),{"name":"if","hash":{},"fn":container.program(11, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":363,"column":0},"end":{"line":459,"column":7}}})) != null ? stack1 : "");
},"useData":true},
  },
  "ci/dot_github/workflows/codeql.yml.hbs": {
    sha256: "26f89c40253fdaa93d838fa82d9eefa87f985397f76bd4491d6cd19c68f3343f",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "          - "
    + ((stack1 = lookupProperty(helpers,"ghaStr").call(depth0 != null ? depth0 : (container.nullContext || {}),depth0,{"name":"ghaStr","hash":{},"data":data,"loc":{"start":{"line":27,"column":12},"end":{"line":27,"column":27}}})) != null ? stack1 : "")
    + "\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# CI-09: CodeQL code scanning of "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"project"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":33},"end":{"line":1,"column":56}}})) != null ? stack1 : "")
    + " (python, javascript-typescript and the workflows\n# themselves, as the chosen layers have them), on every push and pull request to main and weekly.\nname: codeql\n\non:\n  push:\n    branches: [main]\n  pull_request:\n    branches: [main]\n  schedule:\n    - cron: \"23 4 * * 1\"\n\npermissions: {}\n\njobs:\n  analyze:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 30\n    permissions:\n      contents: read\n      security-events: write\n    strategy:\n      fail-fast: false\n      matrix:\n        language:\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"codeqlLanguages"),{"name":"each","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":26,"column":0},"end":{"line":28,"column":9}}})) != null ? stack1 : "")
    + "    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":30,"column":14},"end":{"line":30,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":33,"column":14},"end":{"line":33,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"codeqlInit"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":36,"column":14},"end":{"line":36,"column":51}}})) != null ? stack1 : "")
    + "\n        with:\n          languages: ${{ matrix.language }}\n          build-mode: none\n          queries: security-extended\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"codeqlAnalyze"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":41,"column":14},"end":{"line":41,"column":54}}})) != null ? stack1 : "")
    + "\n        with:\n          category: /language:${{ matrix.language }}\n";
},"useData":true},
  },
  "ci/dot_github/workflows/rollback.yml.hbs": {
    sha256: "a2206b559f1d509b0942a958455090927e495a886d32f67c1d50be01b088e3bb",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "          - "
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":17,"column":12},"end":{"line":17,"column":26}}})) != null ? stack1 : "")
    + "\n";
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "            "
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":57,"column":12},"end":{"line":57,"column":26}}})) != null ? stack1 : "")
    + ") ;;\n";
},"2":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"awsCredentials"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":83,"column":14},"end":{"line":83,"column":55}}})) != null ? stack1 : "")
    + "\n        with:\n          role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}\n          aws-region: ${{ vars.AWS_REGION }}\n          role-session-name: github-deploy\n";
},"3":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"gcpAuth"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":90,"column":14},"end":{"line":90,"column":48}}})) != null ? stack1 : "")
    + "\n        with:\n          workload_identity_provider: ${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}\n          service_account: ${{ vars.GCP_SERVICE_ACCOUNT }}\n";
},"4":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"azureLogin"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":96,"column":14},"end":{"line":96,"column":51}}})) != null ? stack1 : "")
    + "\n        with:\n          client-id: ${{ vars.AZURE_CLIENT_ID }}\n          tenant-id: ${{ vars.AZURE_TENANT_ID }}\n          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n";
},"5":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "          "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"serviceVariable"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":107,"column":10},"end":{"line":107,"column":35}}})) != null ? stack1 : "")
    + ": ${{ vars."
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"serviceVariable"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":107,"column":47},"end":{"line":107,"column":72}}})) != null ? stack1 : "")
    + " }}\n";
},"6":function(container,depth0,helpers,partials,data) {
    return "          ECS_CLUSTER: ${{ vars.ECS_CLUSTER }}\n";
},"7":function(container,depth0,helpers,partials,data) {
    return "          GCP_REGION: ${{ vars.GCP_REGION }}\n          GCP_GHCR_MIRROR: ${{ vars.GCP_GHCR_MIRROR }}\n";
},"8":function(container,depth0,helpers,partials,data) {
    return "          AZURE_RESOURCE_GROUP: ${{ vars.AZURE_RESOURCE_GROUP }}\n";
},"9":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "            "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":122,"column":12},"end":{"line":122,"column":26}}})) != null ? stack1 : "")
    + ") SERVICE=\"$"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"serviceVariable"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":122,"column":38},"end":{"line":122,"column":63}}})) != null ? stack1 : "")
    + "\" ;;\n";
},"10":function(container,depth0,helpers,partials,data) {
    return "          export CONTAINER=\"$SERVICE_NAME\"\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Rollback for "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"project"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":15},"end":{"line":1,"column":38}}})) != null ? stack1 : "")
    + ": redeploys an earlier image of one service, by digest, only after verifying\n# that this repository's ci workflow built and attested it on main (CI-12). Same OIDC login, same \"production\"\n# environment (with its required reviewers) and same deploy script as the ci workflow's deploy job; the two\n# share one concurrency group, so a rollback never races a deploy. Take the digest from the \"publish\" job of\n# the ci run you want back (or from the package's page on ghcr.io). See docs/security/INCIDENT_RUNBOOK.md.\nname: rollback\n\non:\n  workflow_dispatch:\n    inputs:\n      service:\n        description: The service to roll back\n        type: choice\n        required: true\n        options:\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":16,"column":0},"end":{"line":18,"column":9}}})) != null ? stack1 : "")
    + "      digest:\n        description: The image digest to redeploy (sha256:<64 hex digits>)\n        type: string\n        required: true\n\n# CI-01: the token has no permission unless a job asks for one.\npermissions: {}\n\njobs:\n  # CI-06, CI-07: like deploy, the only job here with id-token: write, in the \"production\" environment.\n  rollback:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 30\n    environment: production\n    concurrency:\n      group: production-deploy\n      cancel-in-progress: false\n    permissions:\n      contents: read\n      packages: read\n      attestations: read\n      id-token: write\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":42,"column":14},"end":{"line":42,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":45,"column":14},"end":{"line":45,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      # The inputs reach the shell only through env: and are checked before anything uses them.\n      - name: The image to redeploy\n        id: image\n        env:\n          SERVICE_NAME: ${{ inputs.service }}\n          DIGEST: ${{ inputs.digest }}\n        run: |\n          case \"$SERVICE_NAME\" in\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":56,"column":0},"end":{"line":58,"column":9}}})) != null ? stack1 : "")
    + "            *)\n              echo \"rollback: unknown service\" >&2\n              exit 2\n              ;;\n          esac\n          if [[ ! \"$DIGEST\" =~ ^sha256:[0-9a-f]{64}$ ]]; then\n            echo \"rollback: the digest must read sha256: and 64 lower-case hexadecimal digits\" >&2\n            exit 2\n          fi\n          echo \"image=ghcr.io/${GITHUB_REPOSITORY,,}/${SERVICE_NAME}@${DIGEST}\" >> \"$GITHUB_OUTPUT\"\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"login"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":69,"column":14},"end":{"line":69,"column":46}}})) != null ? stack1 : "")
    + "\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n      # CI-12: redeploy nothing that this repository's ci workflow did not build and attest from main.\n      - name: Verify the provenance attestation\n        env:\n          GH_TOKEN: ${{ github.token }}\n          IMAGE: ${{ steps.image.outputs.image }}\n        run: |\n          gh attestation verify \"oci://$IMAGE\" --repo \"$GITHUB_REPOSITORY\" \\\n            --signer-workflow \"$GITHUB_REPOSITORY/.github/workflows/ci.yml\" --source-ref refs/heads/main\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":82,"column":6},"end":{"line":82,"column":30}}}),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":82,"column":0},"end":{"line":88,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"gcp",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":89,"column":6},"end":{"line":89,"column":30}}}),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":89,"column":0},"end":{"line":94,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"azure",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":95,"column":6},"end":{"line":95,"column":32}}}),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":95,"column":0},"end":{"line":101,"column":7}}})) != null ? stack1 : "")
    + "      - name: Redeploy the verified digest\n        env:\n          IMAGE: ${{ steps.image.outputs.image }}\n          SERVICE_NAME: ${{ inputs.service }}\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":106,"column":0},"end":{"line":108,"column":9}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":109,"column":6},"end":{"line":109,"column":30}}}),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":109,"column":0},"end":{"line":111,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"gcp",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":112,"column":6},"end":{"line":112,"column":30}}}),{"name":"if","hash":{},"fn":container.program(7, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":112,"column":0},"end":{"line":115,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"azure",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":116,"column":6},"end":{"line":116,"column":32}}}),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":116,"column":0},"end":{"line":118,"column":7}}})) != null ? stack1 : "")
    + "        run: |\n          case \"$SERVICE_NAME\" in\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"ci"),"images"),{"name":"each","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":121,"column":0},"end":{"line":123,"column":9}}})) != null ? stack1 : "")
    + "            *) exit 2 ;;\n          esac\n          export SERVICE\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"aws",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":127,"column":6},"end":{"line":127,"column":30}}}),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":127,"column":0},"end":{"line":129,"column":7}}})) != null ? stack1 : "")
    + "          .github/scripts/deploy.sh\n";
},"useData":true},
  },
  "ci/dot_github/workflows/scorecard.yml.hbs": {
    sha256: "c9439cdd60516c5d82c19853225093df7e813f599a82586d03629c2c302e6809",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# CI-17: the OpenSSF Scorecard of "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"project"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":34},"end":{"line":1,"column":57}}})) != null ? stack1 : "")
    + " every week and on pushes to main, as code-scanning\n# alerts. Results are not published to the Scorecard API (that needs id-token: write, which only the deploy\n# and attestation jobs hold); turn publish_results on for a public badge if you accept that. A private\n# repository also needs actions: read, issues: read, pull-requests: read and checks: read here.\nname: scorecard\n\non:\n  push:\n    branches: [main]\n  schedule:\n    - cron: \"41 5 * * 1\"\n  workflow_dispatch:\n\npermissions: {}\n\njobs:\n  analysis:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 20\n    permissions:\n      contents: read\n      security-events: write\n    steps:\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"hardenRunner"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":24,"column":14},"end":{"line":24,"column":53}}})) != null ? stack1 : "")
    + "\n        with:\n          egress-policy: audit\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"checkout"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":27,"column":14},"end":{"line":27,"column":49}}})) != null ? stack1 : "")
    + "\n        with:\n          persist-credentials: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"scorecard"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":30,"column":14},"end":{"line":30,"column":50}}})) != null ? stack1 : "")
    + "\n        with:\n          results_file: scorecard.sarif\n          results_format: sarif\n          publish_results: false\n      - uses: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"ci"),"pins"),"codeqlUploadSarif"),"line"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":35,"column":14},"end":{"line":35,"column":58}}})) != null ? stack1 : "")
    + "\n        with:\n          sarif_file: scorecard.sarif\n          category: scorecard\n";
},"useData":true},
  },
  "containers/CONTAINERS.md.hbs": {
    sha256: "dcc42f803ab5c59db1873ed33ece87d37354763d0a4944678fe19ebf3df27dbd",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "; see [the threat model](docs/security/THREAT_MODEL.md)";
},"1":function(container,depth0,helpers,partials,data) {
    return "| `api/Dockerfile`, `api/.dockerignore` | the API image: Python virtual environment built in one stage, copied into a slim runtime stage |\n";
},"2":function(container,depth0,helpers,partials,data) {
    return "| `web/Dockerfile`, `web/.dockerignore` | the web image: `npm ci`, `next build` with `output: 'standalone'`, and a slim runtime stage with `node server.js` |\n";
},"3":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| `compose.yaml` | the stack: "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":15,"column":30},"end":{"line":15,"column":83}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"and").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),lookupProperty(helpers,"or").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"or","hash":{},"data":data,"loc":{"start":{"line":15,"column":101},"end":{"line":15,"column":121}}}),{"name":"and","hash":{},"data":data,"loc":{"start":{"line":15,"column":89},"end":{"line":15,"column":122}}}),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":15,"column":83},"end":{"line":15,"column":133}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":15,"column":133},"end":{"line":15,"column":160}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"and").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"and","hash":{},"data":data,"loc":{"start":{"line":15,"column":166},"end":{"line":15,"column":187}}}),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":15,"column":160},"end":{"line":15,"column":198}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(7, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":15,"column":198},"end":{"line":15,"column":225}}})) != null ? stack1 : "")
    + " |\n";
},"4":function(container,depth0,helpers,partials,data) {
    return "`db`, the one-shot `migrate` job";
},"5":function(container,depth0,helpers,partials,data) {
    return ", ";
},"6":function(container,depth0,helpers,partials,data) {
    return "`api`";
},"7":function(container,depth0,helpers,partials,data) {
    return "`web`";
},"8":function(container,depth0,helpers,partials,data) {
    return "| `compose.dev.yaml` | local development: also publishes the API on `127.0.0.1:8000` |\n";
},"9":function(container,depth0,helpers,partials,data) {
    return "| `scripts/make-secrets.sh` | creates the secret files under `secrets/` (ignored by git) |\n";
},"10":function(container,depth0,helpers,partials,data) {
    return "The web image installs exactly `web/package-lock.json` (`npm ci`); after changing dependencies, run `npm install` in `web/` and commit both files.\n";
},"11":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\nOn the first start with an empty volume, `db` creates the database and runs `db/init.sh` (roles, schemas,\nprivileges, the two passwords from their secret files) as the `postgres` superuser over its socket; then `migrate`\napplies `db/migrations` as "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"roles"),"migrator"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":39,"column":27},"end":{"line":39,"column":63}}})) != null ? stack1 : "")
    + " over TLS (`sslmode=verify-full`, certificate for\nthe host name `db`) and exits"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(12, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":40,"column":29},"end":{"line":40,"column":89}}})) != null ? stack1 : "")
    + ". `db/init.sh` runs once per\nvolume: after changing `db/init/`, run it by hand (see `db/README.md`) or start from a new volume\n(`docker compose down -v` deletes the data).\n";
},"12":function(container,depth0,helpers,partials,data) {
    return "; `api` starts only after it succeeded";
},"13":function(container,depth0,helpers,partials,data) {
    return "\nThe web app is published on `http://127.0.0.1:3000`. Set its public settings in the shell or in a `.env` file\nbeside `compose.yaml` (compose reads it for `${…}` values; it is ignored by git):\n\n```sh\nOIDC_CLIENT_ID=the-client-id-your-identity-provider-gave-the-web-app\nAPP_ORIGIN=https://app.example.com\n```\n\n`scripts/make-secrets.sh` cannot invent the web app's OIDC client secret: pass it as `OIDC_CLIENT_SECRET` when you\nrun the script, or write it into `secrets/oidc_client_secret`.\n";
},"14":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"if").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(15, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":57,"column":0},"end":{"line":60,"column":7}}})) != null ? stack1 : "");
},"15":function(container,depth0,helpers,partials,data) {
    return "\nThe API is the edge here and is published on `http://127.0.0.1:8000` only.\n";
},"16":function(container,depth0,helpers,partials,data) {
    return "\n";
},"17":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":77,"column":3},"end":{"line":77,"column":17}}})) != null ? stack1 : "")
    + "` | "
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"services"),{"name":"each","hash":{},"fn":container.program(18, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":77,"column":21},"end":{"line":77,"column":64}}})) != null ? stack1 : "")
    + "| "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"what"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":77,"column":66},"end":{"line":77,"column":81}}})) != null ? stack1 : "")
    + " |\n";
},"18":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"mdText").call(depth0 != null ? depth0 : (container.nullContext || {}),depth0,{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":77,"column":39},"end":{"line":77,"column":54}}})) != null ? stack1 : "")
    + " ";
},"19":function(container,depth0,helpers,partials,data) {
    return " A database password also changes in the\ndatabase: after rotating `db_app_password` or `db_migrator_password`, set the new value with\n`ALTER ROLE … PASSWORD` (or rerun `db/init.sh`), and recreate `database_url` from the new app password.";
},"20":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "`docker build --secret id=pip_conf,src=secrets/build/pip.conf api` gives the API build a `pip.conf`"
    + ((stack1 = lookupProperty(helpers,"if").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(21, data, 0),"inverse":container.program(22, data, 0),"data":data,"loc":{"start":{"line":87,"column":99},"end":{"line":87,"column":135}}})) != null ? stack1 : "")
    + "\n";
},"21":function(container,depth0,helpers,partials,data) {
    return ", and";
},"22":function(container,depth0,helpers,partials,data) {
    return ".";
},"23":function(container,depth0,helpers,partials,data) {
    return "`docker build --secret id=npmrc,src=secrets/build/npmrc web` gives the web build an `.npmrc`.\n";
},"24":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "; this repository was generated without `--pin-digests`, so these are pinned by tag only: "
    + ((stack1 = lookupProperty(helpers,"each").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"containers"),"unpinned"),{"name":"each","hash":{},"fn":container.program(25, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":99,"column":290},"end":{"line":99,"column":349}}})) != null ? stack1 : "")
    + "— add `@sha256:<digest>` (`docker buildx imagetools inspect <image>` shows it) or regenerate with `secure-stack new --pin-digests`";
},"25":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "`"
    + ((stack1 = lookupProperty(helpers,"lineValue").call(depth0 != null ? depth0 : (container.nullContext || {}),depth0,{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":99,"column":320},"end":{"line":99,"column":338}}})) != null ? stack1 : "")
    + "` ";
},"26":function(container,depth0,helpers,partials,data) {
    return " by tag and `@sha256:` digest";
},"27":function(container,depth0,helpers,partials,data) {
    return "`backend` network is `internal`, the database is never published; ";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Containers\n\nHow to run "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":3,"column":11},"end":{"line":3,"column":33}}})) != null ? stack1 : "")
    + " in containers, and which controls the images and the compose file enforce\n(CTR-01 to CTR-14 of the catalog"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"docs"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":4,"column":32},"end":{"line":4,"column":110}}})) != null ? stack1 : "")
    + ").\n\n| File | What it is |\n| ---- | ---------- |\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":8,"column":0},"end":{"line":10,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":11,"column":0},"end":{"line":13,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"or").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),lookupProperty(lookupProperty(depth0,"has"),"web"),lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"or","hash":{},"data":data,"loc":{"start":{"line":14,"column":6},"end":{"line":14,"column":33}}}),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":14,"column":0},"end":{"line":16,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"and").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"and","hash":{},"data":data,"loc":{"start":{"line":17,"column":6},"end":{"line":17,"column":27}}}),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":17,"column":0},"end":{"line":19,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"or").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),lookupProperty(lookupProperty(depth0,"has"),"web"),lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"or","hash":{},"data":data,"loc":{"start":{"line":20,"column":6},"end":{"line":20,"column":33}}}),{"name":"if","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":20,"column":0},"end":{"line":22,"column":7}}})) != null ? stack1 : "")
    + "\n## Run it\n\nYou need Docker with Compose v2 (`docker compose`) and openssl.\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":27,"column":0},"end":{"line":29,"column":7}}})) != null ? stack1 : "")
    + "\n```sh\nscripts/make-secrets.sh           # random secrets in ./secrets/; existing files are kept\ndocker compose up --build         # or: docker compose -f compose.yaml -f compose.dev.yaml up --build\n```\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(11, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":35,"column":0},"end":{"line":43,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(13, data, 0),"inverse":container.program(14, data, 0),"data":data,"loc":{"start":{"line":44,"column":0},"end":{"line":61,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(helpers,"or").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),lookupProperty(lookupProperty(depth0,"has"),"api"),lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"or","hash":{},"data":data,"loc":{"start":{"line":62,"column":10},"end":{"line":62,"column":37}}}),{"name":"unless","hash":{},"fn":container.program(16, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":62,"column":0},"end":{"line":64,"column":11}}})) != null ? stack1 : "")
    + "Nothing is published on other interfaces: put a TLS-terminating reverse proxy on the host in front of it.\n\n## Secrets\n\nEvery secret is a file under `secrets/` (directory mode 0700), declared under the top-level `secrets:` of\n`compose.yaml`, granted only to the services that need it, and mounted at `/run/secrets/<name>`. The services read\nthem through `*_FILE` settings (`DATABASE_URL_FILE`, `POSTGRES_PASSWORD_FILE`…): no secret value is ever in\n`environment:`, where `docker inspect` and crash reports would show it.\n\n| Secret | Used by | What it is |\n| ------ | ------- | ---------- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"secrets"),{"name":"each","hash":{},"fn":container.program(17, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":76,"column":0},"end":{"line":78,"column":9}}})) != null ? stack1 : "")
    + "\nTo rotate one, delete its file, run `scripts/make-secrets.sh` again and recreate the services that use it\n(`docker compose up -d --force-recreate <service>`)."
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(19, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":81,"column":52},"end":{"line":83,"column":110}}})) != null ? stack1 : "")
    + "\n\nBuild-time credentials (a private npm or pip registry) are build secrets, never build arguments or `ENV`:\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(20, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":86,"column":0},"end":{"line":88,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(23, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":89,"column":0},"end":{"line":91,"column":7}}})) != null ? stack1 : "")
    + "The file exists only while that one `RUN` step runs: it is in no image layer and no image history.\n\n## What the images and the compose file enforce\n\n| Control                                                                                                                                  | Where                                                                                                                                                                                                                                                                                                                                                                                          |\n| ---------------------------------------------------------------------------------------------------------------------------------------- | ---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |\n| CTR-01 final stage runs as `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":98,"column":30},"end":{"line":98,"column":54}}})) != null ? stack1 : "")
    + ":"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":98,"column":55},"end":{"line":98,"column":79}}})) != null ? stack1 : "")
    + "` (numeric, not root)                                       | `USER` in each Dockerfile; `user:` in compose                                                                                                                                                                                                                                                                                                                                                  |\n| CTR-02 base images pinned                                                                                                                | `FROM` lines and `image:`"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"unpinned"),"length"),{"name":"if","hash":{},"fn":container.program(24, data, 0),"inverse":container.program(26, data, 0),"data":data,"loc":{"start":{"line":99,"column":166},"end":{"line":99,"column":523}}})) != null ? stack1 : "")
    + " |\n| CTR-03 multi-stage, slim runtime without compilers or sources                                                                            | each Dockerfile                                                                                                                                                                                                                                                                                                                                                                                |\n| CTR-04 build secrets only through `RUN --mount=type=secret`                                                                              | each Dockerfile                                                                                                                                                                                                                                                                                                                                                                                |\n| CTR-05 `.dockerignore` keeps `.git`, `.env*`, keys, `node_modules`, tests out of the build context                                       | `*/.dockerignore`                                                                                                                                                                                                                                                                                                                                                                              |\n| CTR-06 `COPY` only, exec-form `CMD`, `pipefail` shell, `--no-cache-dir`, lockfile installs                                               | each Dockerfile                                                                                                                                                                                                                                                                                                                                                                                |\n| CTR-07 health checks                                                                                                                     | `HEALTHCHECK` in each Dockerfile, `healthcheck:` in compose                                                                                                                                                                                                                                                                                                                                    |\n| CTR-08 read-only root filesystem, `tmpfs` only where a service writes                                                                    | every service                                                                                                                                                                                                                                                                                                                                                                                  |\n| CTR-09 `cap_drop: [ALL]`, no `cap_add`                                                                                                   | every service                                                                                                                                                                                                                                                                                                                                                                                  |\n| CTR-10 `no-new-privileges:true`                                                                                                          | every service                                                                                                                                                                                                                                                                                                                                                                                  |\n| CTR-11 no `privileged`, no Docker socket, no host network or PID namespace                                                               | every service                                                                                                                                                                                                                                                                                                                                                                                  |\n| CTR-12 file secrets read through `*_FILE`                                                                                                | top-level `secrets:`                                                                                                                                                                                                                                                                                                                                                                           |\n| CTR-13 "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(27, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":110,"column":9},"end":{"line":110,"column":96}}})) != null ? stack1 : "")
    + "only the edge is published, on `127.0.0.1` | `networks:`, `ports:`                                                                                                                                                                                                                                                                                                                                                                          |\n| CTR-14 CPU, memory and PID limits                                                                                                        | `deploy.resources.limits`, `pids_limit`                                                                                                                                                                                                                                                                                                                                                        |\n\nKeep them when you change these files: a service that needs to write somewhere gets a `tmpfs` for that path,\nnot a writable root; a port under 1024 is mapped on the host (`127.0.0.1:443:3000`), not granted with\n`cap_add: [NET_BIND_SERVICE]`.\n";
},"useData":true},
  },
  "containers/api/Dockerfile.hbs": {
    sha256: "d3f1b15565815975a657170d8e7ef48f2f853ebc491fbf53795e3e96ae8231c4",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "# Pinned by tag only: generate with `secure-stack new --pin-digests` (or add @sha256:<digest> by hand) to pin it.\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# syntax=docker/dockerfile:1\n# The API image (controls CTR-01 to CTR-07). Build from the repository root:\n#   docker build -t "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"docker"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":3,"column":20},"end":{"line":3,"column":46}}})) != null ? stack1 : "")
    + "-api api\n# With a private package index, give its URL (token included) as a build secret, never as a build argument:\n#   docker build --secret id=pip_conf,src=secrets/build/pip.conf -t "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"docker"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":5,"column":68},"end":{"line":5,"column":94}}})) != null ? stack1 : "")
    + "-api api\n# where secrets/build/pip.conf reads \"[global]\" and \"index-url = https://USER:TOKEN@pypi.example.com/simple/\".\n#\n# Base image: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"python"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":8,"column":14},"end":{"line":8,"column":56}}})) != null ? stack1 : "")
    + "\n"
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"python"),"pinned"),{"name":"unless","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":9,"column":0},"end":{"line":11,"column":11}}})) != null ? stack1 : "")
    + "\nFROM "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"python"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":13,"column":5},"end":{"line":13,"column":47}}})) != null ? stack1 : "")
    + " AS build\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nENV PIP_DISABLE_PIP_VERSION_CHECK=1 \\\n    PIP_NO_CACHE_DIR=1 \\\n    PYTHONDONTWRITEBYTECODE=1\nWORKDIR /src\nCOPY pyproject.toml README.md ./\nCOPY app ./app\n# The optional pip.conf secret exists only while this RUN runs: it is in no layer and in no image history.\nRUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf,required=false \\\n    python -m venv /opt/venv \\\n    && /opt/venv/bin/pip install --no-cache-dir --no-compile .\n\nFROM "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"python"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":26,"column":5},"end":{"line":26,"column":47}}})) != null ? stack1 : "")
    + " AS runtime\nENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1 \\\n    APP_ENV=production\n# Only the virtual environment (the app and its dependencies) comes over: no sources, no build tools.\nCOPY --from=build /opt/venv /opt/venv\nWORKDIR /app\nUSER "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":33,"column":5},"end":{"line":33,"column":29}}})) != null ? stack1 : "")
    + ":"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":33,"column":30},"end":{"line":33,"column":54}}})) != null ? stack1 : "")
    + "\nEXPOSE 8000\n# 127.0.0.1 must stay in ALLOWED_HOSTS for this probe (the API answers 400 to any other Host).\nHEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \\\n    CMD [\"/opt/venv/bin/python\", \"-c\", \"import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)\"]\nCMD [\"/opt/venv/bin/python\", \"-m\", \"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"8000\", \"--no-server-header\"]\n";
},"useData":true},
  },
  "containers/compose.dev.yaml.hbs": {
    sha256: "1da3b90d2ef5ae02bd138daa12ce634ea9c5a16371dec63a201d541a895d2f6b",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    return "# Local development on top of compose.yaml:\n#   docker compose -f compose.yaml -f compose.dev.yaml up --build\n# Publishes the API on this machine's loopback too, so you can call it directly (curl http://127.0.0.1:8000/healthz).\n# Only 127.0.0.1: nothing here is reachable from another machine. The database stays unpublished.\nservices:\n  api:\n    ports:\n      - \"127.0.0.1:8000:8000\"\n";
},"useData":true},
  },
  "containers/compose.yaml.hbs": {
    sha256: "1dacacff934398af55827f24a464f8ad7c2f03370a20d3020a36c6204cdb50d6",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  db:\n    # "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"postgres"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":12,"column":6},"end":{"line":12,"column":50}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"postgres"),"pinned"),{"name":"unless","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":12,"column":50},"end":{"line":12,"column":167}}})) != null ? stack1 : "")
    + "\n    image: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"postgres"),"ref"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":13,"column":11},"end":{"line":13,"column":53}}})) != null ? stack1 : "")
    + "\n    # The image's postgres user; no root step, so no capability is needed.\n    user: \""
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"postgresUid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":15,"column":11},"end":{"line":15,"column":43}}})) != null ? stack1 : "")
    + ":"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"postgresUid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":15,"column":44},"end":{"line":15,"column":76}}})) != null ? stack1 : "")
    + "\"\n    # PostgreSQL accepts a key only when its own user owns it with mode 0600: copy the mounted key to tmpfs first.\n    entrypoint:\n      - /bin/sh\n      - -c\n      - install -m 0600 /run/secrets/db_server_key /var/run/postgresql/server.key && exec docker-entrypoint.sh \"$$@\"\n      - db-entrypoint\n    command:\n      - postgres\n      - -c\n      - config_file=/etc/postgresql/postgresql.conf\n      - -c\n      - hba_file=/etc/postgresql/pg_hba.conf\n      - -c\n      - ssl_cert_file=/run/secrets/db_server_crt\n      - -c\n      - ssl_key_file=/var/run/postgresql/server.key\n    environment:\n      POSTGRES_DB: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"database"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":33,"column":19},"end":{"line":33,"column":50}}})) != null ? stack1 : "")
    + "\n      # The superuser's password is set but unusable from the network: pg_hba.conf admits it on the socket only.\n      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password\n      POSTGRES_INITDB_ARGS: \"--auth-local=peer --auth-host=scram-sha-256\"\n      # Read by db/init.sh, which the image runs once, on the first start with an empty volume.\n      APP_PASSWORD_FILE: /run/secrets/db_app_password\n      MIGRATOR_PASSWORD_FILE: /run/secrets/db_migrator_password\n    secrets:\n      - postgres_password\n      - db_app_password\n      - db_migrator_password\n      - db_server_crt\n      - db_server_key\n    volumes:\n      - db-data:/var/lib/postgresql/data\n      - ./db/postgresql.conf:/etc/postgresql/postgresql.conf:ro\n      - ./db/pg_hba.conf:/etc/postgresql/pg_hba.conf:ro\n      - ./db/init.sh:/docker-entrypoint-initdb.d/init.sh:ro\n      - ./db/init:/docker-entrypoint-initdb.d/init:ro\n    tmpfs:\n      - /tmp\n      - /var/run/postgresql\n    networks:\n      - backend\n    read_only: true\n    cap_drop:\n      - ALL\n    security_opt:\n      - \"no-new-privileges:true\"\n    pids_limit: 200\n    deploy:\n      resources:\n        limits:\n          cpus: \"1.0\"\n          memory: 1g\n    # Over TCP, so that it fails while the first-start initialisation runs (that server listens on the socket only).\n    healthcheck:\n      test:\n        [\n          \"CMD\",\n          \"pg_isready\",\n          \"-q\",\n          \"-h\",\n          \"127.0.0.1\",\n          \"-p\",\n          \"5432\",\n          \"-d\",\n          "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"database"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":80,"column":10},"end":{"line":80,"column":41}}})) != null ? stack1 : "")
    + ",\n          \"-U\",\n          "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"roles"),"app"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":82,"column":10},"end":{"line":82,"column":42}}})) != null ? stack1 : "")
    + ",\n        ]\n      interval: 10s\n      timeout: 5s\n      retries: 10\n      start_period: 30s\n    restart: unless-stopped\n\n  # One-shot job: applies db/migrations as the migrator role over TLS (verify-full), then exits.\n  migrate:\n    image: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"postgres"),"ref"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":92,"column":11},"end":{"line":92,"column":53}}})) != null ? stack1 : "")
    + "\n    user: \""
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"postgresUid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":93,"column":11},"end":{"line":93,"column":43}}})) != null ? stack1 : "")
    + ":"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"postgresUid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":93,"column":44},"end":{"line":93,"column":76}}})) != null ? stack1 : "")
    + "\"\n    entrypoint:\n      - /bin/sh\n      - -c\n      - export PGPASSWORD; PGPASSWORD=\"$$(cat /run/secrets/db_migrator_password)\"; exec /opt/db/migrate.sh up\n      - migrate\n    environment:\n      DATABASE_URL: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"migratorUrl"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":100,"column":20},"end":{"line":100,"column":54}}})) != null ? stack1 : "")
    + "\n      PGCONNECT_TIMEOUT: \"10\"\n    secrets:\n      - db_migrator_password\n      - db_ca_crt\n    volumes:\n      - ./db:/opt/db:ro\n    tmpfs:\n      - /tmp\n    networks:\n      - backend\n    depends_on:\n      db:\n        condition: service_healthy\n    read_only: true\n    cap_drop:\n      - ALL\n    security_opt:\n      - \"no-new-privileges:true\"\n    pids_limit: 50\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.5\"\n          memory: 256m\n    restart: \"no\"\n";
},"1":function(container,depth0,helpers,partials,data) {
    return " (tag only: `secure-stack new --pin-digests` pins the digest)";
},"2":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n  api:\n    build:\n      context: ./api\n    image: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"apiImage"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":132,"column":11},"end":{"line":132,"column":42}}})) != null ? stack1 : "")
    + "\n    user: \""
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":133,"column":11},"end":{"line":133,"column":35}}})) != null ? stack1 : "")
    + ":"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":133,"column":36},"end":{"line":133,"column":60}}})) != null ? stack1 : "")
    + "\"\n    environment:\n      APP_ENV: production\n      SERVICE_NAME: api\n      OIDC_ISSUER: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"compose"),"oidcIssuer"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":137,"column":19},"end":{"line":137,"column":60}}})) != null ? stack1 : "")
    + "\n      OIDC_AUDIENCE: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"compose"),"oidcAudience"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":138,"column":21},"end":{"line":138,"column":64}}})) != null ? stack1 : "")
    + "\n      OIDC_JWKS_URI: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"compose"),"jwksUri"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":139,"column":21},"end":{"line":139,"column":59}}})) != null ? stack1 : "")
    + "\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.program(4, data, 0),"data":data,"loc":{"start":{"line":140,"column":0},"end":{"line":144,"column":7}}})) != null ? stack1 : "")
    + "      # 127.0.0.1 stays for the image's healthcheck; \"api\" is the name the web app calls it by.\n      ALLOWED_HOSTS: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"apiAllowedHosts"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":146,"column":21},"end":{"line":146,"column":59}}})) != null ? stack1 : "")
    + "\n      CORS_ALLOWED_ORIGINS: \"\"\n      DATABASE_URL_FILE: /run/secrets/database_url\n    secrets:\n      - database_url\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":151,"column":0},"end":{"line":153,"column":7}}})) != null ? stack1 : "")
    + "    tmpfs:\n      - /tmp\n    networks:\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":157,"column":0},"end":{"line":159,"column":7}}})) != null ? stack1 : "")
    + "      # Not internal: the API fetches its identity provider's keys (JWKS).\n      - frontend\n"
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"unless","hash":{},"fn":container.program(7, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":162,"column":0},"end":{"line":166,"column":11}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":167,"column":0},"end":{"line":171,"column":7}}})) != null ? stack1 : "")
    + "    read_only: true\n    cap_drop:\n      - ALL\n    security_opt:\n      - \"no-new-privileges:true\"\n    pids_limit: 100\n    deploy:\n      resources:\n        limits:\n          cpus: \"1.0\"\n          memory: 512m\n    healthcheck:\n      test:\n        [\n          \"CMD\",\n          \"/opt/venv/bin/python\",\n          \"-c\",\n          \"import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)\",\n        ]\n      interval: 30s\n      timeout: 5s\n      retries: 3\n      start_period: 20s\n    restart: unless-stopped\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "      OIDC_TENANT_CLAIM: tenant_id\n";
},"4":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "      APP_TENANT_ID: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"containers"),"fixedTenantId"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":143,"column":21},"end":{"line":143,"column":57}}})) != null ? stack1 : "")
    + "\n";
},"5":function(container,depth0,helpers,partials,data) {
    return "      - db_ca_crt\n";
},"6":function(container,depth0,helpers,partials,data) {
    return "      - backend\n";
},"7":function(container,depth0,helpers,partials,data) {
    return "    # The API is the edge here: published on the host's loopback only, behind your TLS reverse proxy.\n    ports:\n      - \"127.0.0.1:8000:8000\"\n";
},"8":function(container,depth0,helpers,partials,data) {
    return "    depends_on:\n      migrate:\n        condition: service_completed_successfully\n";
},"9":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n  web:\n    build:\n      context: ./web\n    image: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"webImage"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":202,"column":11},"end":{"line":202,"column":42}}})) != null ? stack1 : "")
    + "\n    user: \""
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":203,"column":11},"end":{"line":203,"column":35}}})) != null ? stack1 : "")
    + ":"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":203,"column":36},"end":{"line":203,"column":60}}})) != null ? stack1 : "")
    + "\"\n    environment:\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.program(11, data, 0),"data":data,"loc":{"start":{"line":205,"column":0},"end":{"line":209,"column":7}}})) != null ? stack1 : "")
    + "      OIDC_ISSUER: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"compose"),"oidcIssuer"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":210,"column":19},"end":{"line":210,"column":60}}})) != null ? stack1 : "")
    + "\n      # Not secrets: set OIDC_CLIENT_ID and APP_ORIGIN (the public https origin) in the shell or in a .env file beside this file.\n      OIDC_CLIENT_ID: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"webClientId"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":212,"column":22},"end":{"line":212,"column":56}}})) != null ? stack1 : "")
    + "\n      APP_ORIGIN: \"${APP_ORIGIN:-http://localhost:3000}\"\n      OIDC_CLIENT_SECRET_FILE: /run/secrets/oidc_client_secret\n      SESSION_SECRET_FILE: /run/secrets/session_secret\n      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY_FILE: /run/secrets/next_server_actions_encryption_key\n    secrets:\n      - oidc_client_secret\n      - session_secret\n      - next_server_actions_encryption_key\n    tmpfs:\n      - /tmp\n      - /app/.next/cache\n    networks:\n      - frontend\n    # The edge: published on the host's loopback only; put your TLS reverse proxy in front of it.\n    ports:\n      - \"127.0.0.1:3000:3000\"\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(12, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":229,"column":0},"end":{"line":233,"column":7}}})) != null ? stack1 : "")
    + "    read_only: true\n    cap_drop:\n      - ALL\n    security_opt:\n      - \"no-new-privileges:true\"\n    pids_limit: 100\n    deploy:\n      resources:\n        limits:\n          cpus: \"1.0\"\n          memory: 512m\n    healthcheck:\n      test:\n        [\n          \"CMD\",\n          \"node\",\n          \"-e\",\n          \"fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))\",\n        ]\n      interval: 30s\n      timeout: 5s\n      retries: 3\n      start_period: 20s\n    restart: unless-stopped\n";
},"10":function(container,depth0,helpers,partials,data) {
    return "      API_BASE_URL: http://api:8000\n";
},"11":function(container,depth0,helpers,partials,data) {
    return "      API_BASE_URL: \"${API_BASE_URL:?set API_BASE_URL in .env to the API's base URL}\"\n";
},"12":function(container,depth0,helpers,partials,data) {
    return "    depends_on:\n      api:\n        condition: service_healthy\n";
},"13":function(container,depth0,helpers,partials,data) {
    return "  # api <-> db and migrate <-> db only: no route out, nothing published.\n  backend:\n    internal: true\n";
},"14":function(container,depth0,helpers,partials,data) {
    return "\nvolumes:\n  db-data: {}\n";
},"15":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":277,"column":2},"end":{"line":277,"column":16}}})) != null ? stack1 : "")
    + ":\n    file: ./secrets/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"name"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":278,"column":20},"end":{"line":278,"column":34}}})) != null ? stack1 : "")
    + "\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":1,"column":2},"end":{"line":1,"column":27}}})) != null ? stack1 : "")
    + ": the stack under Docker Compose (controls CTR-07 to CTR-14). See CONTAINERS.md.\n#   scripts/make-secrets.sh && docker compose up --build\n# Every service: read-only root filesystem, no Linux capabilities, no-new-privileges, CPU/memory/PID limits.\n# Secrets are files under ./secrets/ (made by scripts/make-secrets.sh, never committed), mounted at\n# /run/secrets/<name> and read through *_FILE settings: no secret value is ever in an environment variable.\n# The database is reachable only on the internal \"backend\" network and is never published on the host.\nname: "
    + ((stack1 = lookupProperty(helpers,"yamlStr").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"docker"),{"name":"yamlStr","hash":{},"data":data,"loc":{"start":{"line":7,"column":6},"end":{"line":7,"column":30}}})) != null ? stack1 : "")
    + "\n\nservices:\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":10,"column":0},"end":{"line":126,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":127,"column":0},"end":{"line":196,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":197,"column":0},"end":{"line":258,"column":7}}})) != null ? stack1 : "")
    + "\nnetworks:\n  # web <-> api, and the way out to the identity provider.\n  frontend: {}\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(13, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":263,"column":0},"end":{"line":267,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(14, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":268,"column":0},"end":{"line":272,"column":7}}})) != null ? stack1 : "")
    + "\n# Files made by scripts/make-secrets.sh (./secrets/ is in .gitignore).\nsecrets:\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"secrets"),{"name":"each","hash":{},"fn":container.program(15, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":276,"column":0},"end":{"line":279,"column":9}}})) != null ? stack1 : "");
},"useData":true},
  },
  "containers/scripts/executable_make-secrets.sh.hbs": {
    sha256: "27996d90c530f51abd8fe592fceafe3a3e2a5e8c0a93c5382f216855d6014ad9",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "\n# Database role passwords (hex: safe in a URL without escaping).\nnew_secret postgres_password \"$(random_hex)\"\nnew_secret db_app_password \"$(random_hex)\"\nnew_secret db_migrator_password \"$(random_hex)\"\n";
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"if").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.program(3, data, 0),"data":data,"loc":{"start":{"line":47,"column":0},"end":{"line":60,"column":7}}})) != null ? stack1 : "");
},"2":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n# The API's connection URL, built from the app role's password; verify-full checks the server's certificate.\napp_password=$(cat \"$dir/db_app_password\")\nnew_secret database_url \"postgresql://"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":51,"column":38},"end":{"line":51,"column":68}}})) != null ? stack1 : "")
    + ":${app_password}@db:5432/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":51,"column":93},"end":{"line":51,"column":122}}})) != null ? stack1 : "")
    + "?sslmode=verify-full&sslrootcert=/run/secrets/db_ca_crt\"\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "\n# The API's connection URL: this project has no database layer, so write your database's URL here\n# (the application role, sslmode=verify-full).\nif [ ! -e \"$dir/database_url\" ]; then\n  new_secret database_url \"\"\n  echo \"  -> write your database's connection URL into secrets/database_url\"\nfi\n";
},"4":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "\n# TLS for PostgreSQL: a private CA and a server certificate for the host name \"db\". The CA's key signs once and\n# is deleted; delete db_ca_crt, db_server_crt and db_server_key together to issue new ones.\nif [ ! -e \"$dir/db_ca_crt\" ] && [ ! -e \"$dir/db_server_crt\" ] && [ ! -e \"$dir/db_server_key\" ]; then\n  work=$(mktemp -d)\n  trap 'rm -rf \"$work\"' EXIT\n  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \\\n    -subj \"/CN="
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"names"),"docker"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":70,"column":15},"end":{"line":70,"column":37}}})) != null ? stack1 : "")
    + " database CA\" \\\n    -addext \"basicConstraints=critical,CA:TRUE\" -addext \"keyUsage=critical,keyCertSign,cRLSign\" \\\n    -keyout \"$work/ca.key\" -out \"$work/ca.crt\" 2>/dev/null\n  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj \"/CN=db\" \\\n    -keyout \"$work/server.key\" -out \"$work/server.csr\" 2>/dev/null\n  printf 'subjectAltName=DNS:db\\nbasicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\n' >\"$work/server.ext\"\n  openssl x509 -req -in \"$work/server.csr\" -CA \"$work/ca.crt\" -CAkey \"$work/ca.key\" -CAcreateserial \\\n    -days 397 -extfile \"$work/server.ext\" -out \"$work/server.crt\" 2>/dev/null\n  new_secret db_ca_crt \"$(cat \"$work/ca.crt\")\"\n  new_secret db_server_crt \"$(cat \"$work/server.crt\")\"\n  new_secret db_server_key \"$(cat \"$work/server.key\")\"\nelse\n  for name in db_ca_crt db_server_crt db_server_key; do\n    [ -e \"$dir/$name\" ] || { echo \"make-secrets.sh: secrets/$name is missing but its siblings exist; delete all three to issue new ones\" >&2; exit 1; }\n    echo \"kept    secrets/$name\"\n  done\nfi\n";
},"5":function(container,depth0,helpers,partials,data) {
    return "\n# The web app's session key (48 random bytes) and Server Actions key (a 32-byte AES key), base64.\nnew_secret session_secret \"$(openssl rand -base64 48)\"\nnew_secret next_server_actions_encryption_key \"$(openssl rand -base64 32)\"\n\n# The web app's OIDC client secret comes from your identity provider: give it as OIDC_CLIENT_SECRET\n# (e.g. OIDC_CLIENT_SECRET=\"$(pass show idp/web)\" scripts/make-secrets.sh), or write it into the file later.\nif [ ! -e \"$dir/oidc_client_secret\" ]; then\n  new_secret oidc_client_secret \"${OIDC_CLIENT_SECRET:-}\"\n  if [ -z \"${OIDC_CLIENT_SECRET:-}\" ]; then\n    echo \"  -> write the client secret your identity provider issued into secrets/oidc_client_secret\"\n  fi\nelse\n  echo \"kept    secrets/oidc_client_secret\"\nfi\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "#!/usr/bin/env bash\n# Creates the secret files that compose.yaml mounts, under ./secrets/ (ignored by git), with random values.\n# An existing file is never overwritten: delete one to rotate it (see CONTAINERS.md). Needs openssl.\n#\n#   scripts/make-secrets.sh            from the repository root, or from anywhere\n#\n# The directory is 0700, so other users of this machine cannot open anything in it. The files are 0644: compose\n# bind-mounts each one with its owner and mode from this machine, and the containers run as their own users\n# (postgres "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"postgresUid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":9,"column":12},"end":{"line":9,"column":44}}})) != null ? stack1 : "")
    + ", api and web "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":9,"column":58},"end":{"line":9,"column":82}}})) != null ? stack1 : "")
    + "), which must be able to read them.\nset -euo pipefail\numask 077\n\nroot=$(cd \"$(dirname \"$0\")/..\" && pwd)\ndir=\"$root/secrets\"\nmkdir -p \"$dir\"\nchmod 0700 \"$dir\"\n\ncreated=0\n\n# new_secret NAME VALUE: writes VALUE to secrets/NAME unless it exists.\nnew_secret() {\n  local name=$1 value=$2 file=\"$dir/$1\"\n  if [ -e \"$file\" ]; then\n    echo \"kept    secrets/$name\"\n    return 0\n  fi\n  printf '%s' \"$value\" >\"$file.tmp\"\n  chmod 0644 \"$file.tmp\"\n  mv \"$file.tmp\" \"$file\"\n  created=$((created + 1))\n  echo \"created secrets/$name\"\n}\n\nrandom_hex() {\n  openssl rand -hex 32\n}\n\ncommand -v openssl >/dev/null 2>&1 || { echo \"make-secrets.sh: openssl is needed\" >&2; exit 1; }\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":39,"column":0},"end":{"line":45,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":46,"column":0},"end":{"line":61,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":62,"column":0},"end":{"line":87,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":88,"column":0},"end":{"line":104,"column":7}}})) != null ? stack1 : "")
    + "\necho \"make-secrets.sh: $created new secret file(s) in $dir\"\n";
},"useData":true},
  },
  "containers/web/Dockerfile.hbs": {
    sha256: "f07261e3ccbdf662aa45ce58e689ab693458150bb34d96b8800f7642719ed985",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return "# Pinned by tag only: generate with `secure-stack new --pin-digests` (or add @sha256:<digest> by hand) to pin it.\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# syntax=docker/dockerfile:1\n# The web image (controls CTR-01 to CTR-07): Next.js standalone output on Node.js, no dev dependencies, no\n# compilers, no sources in the final stage. Build from the repository root:\n#   docker build -t "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"docker"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":4,"column":20},"end":{"line":4,"column":46}}})) != null ? stack1 : "")
    + "-web web\n# With a private npm registry, give an .npmrc (token included) as a build secret, never as a build argument:\n#   docker build --secret id=npmrc,src=secrets/build/npmrc -t "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"docker"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":6,"column":62},"end":{"line":6,"column":88}}})) != null ? stack1 : "")
    + "-web web\n# where secrets/build/npmrc holds e.g. \"//npm.example.com/:_authToken=TOKEN\".\n#\n# Base image: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"node"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":9,"column":14},"end":{"line":9,"column":54}}})) != null ? stack1 : "")
    + "\n"
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"node"),"pinned"),{"name":"unless","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":10,"column":0},"end":{"line":12,"column":11}}})) != null ? stack1 : "")
    + "\nFROM "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"node"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":14,"column":5},"end":{"line":14,"column":45}}})) != null ? stack1 : "")
    + " AS deps\nWORKDIR /app\nCOPY package.json package-lock.json ./\n# Lockfile install; the optional .npmrc secret exists only while this RUN runs, in no layer and no history.\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=false \\\n    npm ci --no-audit --no-fund\n\nFROM "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"node"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":21,"column":5},"end":{"line":21,"column":45}}})) != null ? stack1 : "")
    + " AS build\nWORKDIR /app\nENV NEXT_TELEMETRY_DISABLED=1\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY . .\n# public/ is optional in the sources; the runtime stage copies it, so make sure it exists.\nRUN mkdir -p public && npm run build\n\nFROM "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(lookupProperty(lookupProperty(depth0,"containers"),"images"),"node"),"ref"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":29,"column":5},"end":{"line":29,"column":45}}})) != null ? stack1 : "")
    + " AS runtime\nENV NODE_ENV=production \\\n    NEXT_TELEMETRY_DISABLED=1 \\\n    PORT=3000 \\\n    HOSTNAME=0.0.0.0\nWORKDIR /app\n# The standalone server traces the files it needs; static assets and public/ are copied beside it.\nCOPY --from=build /app/.next/standalone ./\nCOPY --from=build /app/.next/static ./.next/static\nCOPY --from=build /app/public ./public\nUSER "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":39,"column":5},"end":{"line":39,"column":29}}})) != null ? stack1 : "")
    + ":"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"containers"),"uid"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":39,"column":30},"end":{"line":39,"column":54}}})) != null ? stack1 : "")
    + "\nEXPOSE 3000\nHEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \\\n    CMD [\"node\", \"-e\", \"fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))\"]\nCMD [\"node\", \"server.js\"]\n";
},"useData":true},
  },
  "db/db/README.md.hbs": {
    sha256: "2f250bdef7de5f3c7d04c80d0699764c541d5a179ae61ad595495c0ce9dc17c5",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return " (see [the threat model](../docs/security/THREAT_MODEL.md))";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Database\n\nPostgreSQL for "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":3,"column":15},"end":{"line":3,"column":37}}})) != null ? stack1 : "")
    + ": least-privilege roles, every table in schema `app` under forced row-level\nsecurity with fail-closed tenant policies, a TLS-only server configuration, and policy tests that attack it.\nControls DB-01 to DB-11 and DB-15 of the catalog"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"docs"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":5,"column":48},"end":{"line":5,"column":130}}})) != null ? stack1 : "")
    + ".\n\n| Path                                        | What it is                                                                    |\n| ------------------------------------------- | ----------------------------------------------------------------------------- |\n| `init/010_roles.sql`, `init/020_schema.sql` | roles, schemas and privileges; run once by a superuser                        |\n| `init.sh`                                   | runs `init/*.sql` with the two passwords read from secret files               |\n| `migrations/NNNN_name.up.sql`, `.down.sql`  | the schema, run by the migrator role                                          |\n| `migrate.sh`                                | applies and reverts migrations (golang-migrate compatible bookkeeping)        |\n| `postgresql.conf`, `pg_hba.conf`            | server settings: SCRAM, TLS 1.2+, TLS-only network access, connection logging |\n| `tests/`                                    | the policy tests (`tests/run.sh`)                                             |\n\n## Roles\n\n| Role                       | Login | What it may do                                                                                                                                                                                 |\n| -------------------------- | ----- | ---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |\n| `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":20,"column":3},"end":{"line":20,"column":24}}})) != null ? stack1 : "")
    + "`    | no    | owns schema `app` and every object in it; bound by row-level security too (`FORCE`)                                                                                                            |\n| `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":21,"column":3},"end":{"line":21,"column":27}}})) != null ? stack1 : "")
    + "` | yes   | member of the owner, used only by the one-shot migration job; its sessions act as the owner                                                                                                    |\n| `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":22,"column":3},"end":{"line":22,"column":22}}})) != null ? stack1 : "")
    + "`      | yes   | the application: reads and writes rows of its tenant, nothing else. Not a superuser, no `BYPASSRLS`, no `CREATEDB` or `CREATEROLE`, member of no role, and no `CREATE` or `TEMPORARY` anywhere |\n| `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":23,"column":3},"end":{"line":23,"column":27}}})) != null ? stack1 : "")
    + "` | no    | `SELECT` on the tables, still under row-level security; grant it to a reporting login role if you need one                                                                                     |\n\nThe application's database is `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":25,"column":31},"end":{"line":25,"column":49}}})) != null ? stack1 : "")
    + "`. `PUBLIC` has no privilege on it, nor on schema `public`.\nThe app role has statement (5 s), idle-in-transaction (15 s) and lock (2 s) timeouts; change them in\n`init/010_roles.sql`. Passwords are stored as SCRAM-SHA-256 verifiers.\n\n## Tenant isolation\n\nEvery tenant table has a `tenant_id` column, an index on it, `ENABLE` and `FORCE ROW LEVEL SECURITY`, and one\npolicy whose `USING` and `WITH CHECK` are\n`tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid`. The application sets the tenant from\nthe verified access token at the start of each transaction, and only for that transaction:\n\n```sql\nBEGIN;\nSELECT set_config('app.tenant_id', $1, true);  -- true: transaction-local, gone at COMMIT or ROLLBACK\nSELECT id, name, created_at FROM app.projects;  -- only this tenant's rows\nCOMMIT;\n```\n\nNever set it for the session (`SET app.tenant_id`, or `set_config(..., false)`): with a connection pool or\nPgBouncer in transaction mode the next request on that connection would inherit it. Without a tenant, or after\nthe transaction, queries match no rows and raise no error (the `NULLIF` turns the empty value PostgreSQL leaves\nbehind into `NULL`); inserts and updates are refused. Row-level security does not help if the application itself\nis tricked into setting another tenant: the tenant must come only from the verified token, never from a path,\nbody or header.\n\nProvision a tenant as the migrator (row-level security binds the owner too, so set the new tenant first):\n\n```sql\nBEGIN;\nSET LOCAL app.tenant_id = '6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f';\nINSERT INTO app.tenants (id, name) VALUES ('6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f', 'Example tenant');\nCOMMIT;\n```\n\n## Setting up a database\n\nYou need PostgreSQL 15 or later serving `postgresql.conf` and `pg_hba.conf` below, a database named\n`"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":62,"column":1},"end":{"line":62,"column":19}}})) != null ? stack1 : "")
    + "`, and psql 15 or later. Then, as the superuser over the server's Unix socket (inside the\ndatabase container, as the `postgres` OS user):\n\n```sh\nAPP_PASSWORD_FILE=/run/secrets/db_app_password \\\nMIGRATOR_PASSWORD_FILE=/run/secrets/db_migrator_password \\\n  db/init.sh\n```\n\n`init.sh` runs every `init/*.sql` in name order in one transaction. To run a file by hand, give psql the\npasswords as variables: `psql -X -v ON_ERROR_STOP=1 -v app_password=... -v migrator_password=... -f db/init/010_roles.sql`\n(then `020_schema.sql`), connected to `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":73,"column":39},"end":{"line":73,"column":57}}})) != null ? stack1 : "")
    + "` as a superuser. The files never contain a password.\n\n## Migrations\n\nRun by the migrator role only, as a one-shot job (the app role cannot change the schema):\n\n```sh\nexport DATABASE_URL='postgresql://"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":80,"column":34},"end":{"line":80,"column":58}}})) != null ? stack1 : "")
    + "@db.internal:5432/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":80,"column":76},"end":{"line":80,"column":94}}})) != null ? stack1 : "")
    + "?sslmode=verify-full&sslrootcert=/run/secrets/db_ca.crt'\nexport PGPASSFILE=/run/secrets/db_migrator_pgpass   # keep the password out of the URL and the process list\ndb/migrate.sh up        # or: down, version\n```\n\nEach `NNNN_name.up.sql` is plain SQL in its own transaction, so `psql -v ON_ERROR_STOP=1 -f` applies it too. The\nlayout and the bookkeeping table are those of [golang-migrate](https://github.com/golang-migrate/migrate), which\ncan run the same files:\n\n```sh\nmigrate -path db/migrations \\\n  -database \"$DATABASE_URL&x-migrations-table=%22migrations%22.%22schema_migrations%22&x-migrations-table-quoted=1\" up\n```\n\nEach migration checks that it runs as `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":94,"column":39},"end":{"line":94,"column":60}}})) != null ? stack1 : "")
    + "` (the migrator's sessions do) and stops otherwise.\nA new tenant table follows `migrations/0002_projects.up.sql`: `tenant_id uuid NOT NULL REFERENCES app.tenants (id)`, an\nindex on `tenant_id`, `ENABLE` and `FORCE ROW LEVEL SECURITY`, the same policy, and only the grants the\napplication needs (never `TRUNCATE`, which ignores row-level security). The policy tests check all of this for\nevery table in schema `app`. A `SECURITY DEFINER` function must set `search_path = pg_catalog, app, pg_temp` and\nis executable by nobody until a migration grants it.\n\n## Policy tests\n\n`tests/run.sh` runs the tests with psql against a database set up as above (a CI or throwaway database: it writes\ntwo fixture tenants and removes them):\n\n```sh\nAPP_DATABASE_URL='postgresql://"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":107,"column":31},"end":{"line":107,"column":50}}})) != null ? stack1 : "")
    + "@localhost/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":107,"column":61},"end":{"line":107,"column":79}}})) != null ? stack1 : "")
    + "?sslmode=verify-full&sslrootcert=ca.crt' \\\nMIGRATOR_DATABASE_URL='postgresql://"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":108,"column":36},"end":{"line":108,"column":60}}})) != null ? stack1 : "")
    + "@localhost/"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":108,"column":71},"end":{"line":108,"column":89}}})) != null ? stack1 : "")
    + "?sslmode=verify-full&sslrootcert=ca.crt' \\\nADMIN_DATABASE_URL='postgresql:///"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":109,"column":34},"end":{"line":109,"column":52}}})) != null ? stack1 : "")
    + "?host=/var/run/postgresql&user=postgres' \\\nPGPASSFILE=./pgpass \\\n  db/tests/run.sh\n```\n\n| File                   | Runs as   | Proves                                                                                                                                                                                                                                                                                      |\n| ---------------------- | --------- | ------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |\n| `tests/owner.sql`      | migrator  | row-level security binds the owner (`FORCE`)                                                                                                                                                                                                                                                |\n| `tests/isolation.sql`  | app       | two tenants see only their rows; writes into another tenant are refused; no tenant, an empty or a reset tenant reads nothing without error; a transaction-local tenant does not leak into the next transaction                                                                              |\n| `tests/escalation.sql` | app       | the app role cannot disable or un-force row-level security, drop or add a policy, `SET ROLE` to the owner or the migrator, grant itself roles or `BYPASSRLS`, create objects in `app`, `public` or temporary schemas, escape through a view or a function, `TRUNCATE`, or read server files |\n| `tests/catalog.sql`    | app       | role attributes, ownership, privileges, `ENABLE` + `FORCE` and the policy on every table, tenant indexes, `SECURITY DEFINER` hygiene, timeouts, TLS on the connection                                                                                                                       |\n| `tests/server.sql`     | superuser | `pg_hba.conf` rules, `ssl` and `ssl_min_protocol_version`, SCRAM verifiers, connection logging without statement data                                                                                                                                                                       |\n\nEvery check prints `ok - ...`; the first failure prints `FAIL: ...` and stops the run with a non-zero exit.\n\n## Server configuration\n\n`postgresql.conf` sets SCRAM-SHA-256 password storage, `ssl = on` with `ssl_min_protocol_version = 'TLSv1.2'`,\nconnection and disconnection logging with a `log_line_prefix` of time, user, database, client and application,\nand no statement or parameter logging. Load it as the server's configuration file or `include` it, and point\n`ssl_cert_file` and `ssl_key_file` at the mounted certificate and key. Clients connect with `sslmode=verify-full`.\nIt is written for PostgreSQL 15; on 18 `log_connections` becomes a list and `on` keeps its meaning.\n\n`pg_hba.conf` rejects every network connection without TLS, admits only `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":132,"column":73},"end":{"line":132,"column":97}}})) != null ? stack1 : "")
    + "` and\n`"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":133,"column":1},"end":{"line":133,"column":20}}})) != null ? stack1 : "")
    + "` to `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":133,"column":26},"end":{"line":133,"column":44}}})) != null ? stack1 : "")
    + "` over TLS with SCRAM-SHA-256, and lets the superuser in only\nthrough the local socket as the `postgres` OS user. There is no `trust`, `password` or `md5` line.\n\nNot configured here: audit logging of DDL and role changes with pgaudit (DB-12) needs the extension in the\nserver image; add `shared_preload_libraries = 'pgaudit'` and `pgaudit.log = 'ddl,role'` if yours has it.\n";
},"useData":true},
  },
  "db/db/executable_init.sh.hbs": {
    sha256: "770cd2699fe72efe6255bc4b064f7bb81bb0252973a41507c4a7a5d2e1221209",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "#!/usr/bin/env bash\n# Applies db/init/*.sql in name order, in one transaction, as a superuser connected to the application's\n# database (default "
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(depth0,"database"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":3,"column":20},"end":{"line":3,"column":43}}})) != null ? stack1 : "")
    + "). Run it once when the database is created; running it again is safe and\n# resets role attributes, memberships and the two passwords.\n#\n#   APP_PASSWORD_FILE       file holding the password of "
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":6,"column":57},"end":{"line":6,"column":81}}})) != null ? stack1 : "")
    + "       (required)\n#   MIGRATOR_PASSWORD_FILE  file holding the password of "
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":7,"column":57},"end":{"line":7,"column":86}}})) != null ? stack1 : "")
    + "  (required)\n#\n# Connection: a libpq connection string or URL as the first argument, or the libpq environment (PGHOST, PGPORT,\n# PGUSER, PGDATABASE...). Inside the database container: PGHOST=/var/run/postgresql PGUSER=postgres.\n# The passwords reach psql through its environment and \\getenv (psql 15 or later), never its command line.\nset -euo pipefail\n\nhere=$(cd \"$(dirname \"$0\")\" && pwd)\n\nread_secret() {\n  local file=$1 value\n  if [ ! -r \"$file\" ]; then\n    echo \"init.sh: cannot read $file\" >&2\n    exit 2\n  fi\n  value=$(cat -- \"$file\")\n  if [ -z \"$value\" ]; then\n    echo \"init.sh: $file is empty\" >&2\n    exit 2\n  fi\n  printf '%s' \"$value\"\n}\n\napp_password=$(read_secret \"${APP_PASSWORD_FILE:?set APP_PASSWORD_FILE to the file holding the app role password}\")\nmigrator_password=$(read_secret \"${MIGRATOR_PASSWORD_FILE:?set MIGRATOR_PASSWORD_FILE to the file holding the migrator password}\")\n\n# client_min_messages: a second run would otherwise print a notice for everything that already exists.\nargs=(-X -q -v ON_ERROR_STOP=1 --single-transaction\n  -c 'SET client_min_messages = warning'\n  -c '\\getenv app_password SECURE_STACK_APP_PASSWORD'\n  -c '\\getenv migrator_password SECURE_STACK_MIGRATOR_PASSWORD')\nfor file in \"$here\"/init/*.sql; do\n  args+=(-f \"$file\")\ndone\nif [ $# -gt 0 ]; then\n  args+=(-d \"$1\")\nelif [ -z \"${PGDATABASE:-}\" ]; then\n  args+=(-d "
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(depth0,"database"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":44,"column":12},"end":{"line":44,"column":35}}})) != null ? stack1 : "")
    + ")\nfi\n\nSECURE_STACK_APP_PASSWORD=$app_password SECURE_STACK_MIGRATOR_PASSWORD=$migrator_password psql \"${args[@]}\"\necho \"init.sh: roles, schemas and privileges are in place\"\n";
},"useData":true},
  },
  "db/db/init/010_roles.sql.hbs": {
    sha256: "2dae1ec34e2cf9562e8c40dd7c05c76cba0df72a6461125219be13e21d47fa7d",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- Roles of the "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":16},"end":{"line":1,"column":34}}})) != null ? stack1 : "")
    + " database, least privilege (controls DB-01, DB-07, DB-10, DB-15).\n--\n-- Run once by a superuser, connected to the application's database, before the migrations:\n--   psql -X -v ON_ERROR_STOP=1 -v app_password=... -v migrator_password=... -f db/init/010_roles.sql\n-- db/init.sh runs every file of db/init/ this way, with the two passwords read from secret files (not on its\n-- command line). Running it again is safe: it creates what is missing and resets attributes, memberships and\n-- passwords.\n--\n-- "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":9,"column":3},"end":{"line":9,"column":24}}})) != null ? stack1 : "")
    + ": NOLOGIN; owns schema app and every object in it.\n-- "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":10,"column":3},"end":{"line":10,"column":27}}})) != null ? stack1 : "")
    + ": LOGIN; member of the owner, used only by the one-shot migration job. Its sessions act\n--   as the owner (SET role below), so migrations create owner-owned objects.\n-- "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":12,"column":3},"end":{"line":12,"column":22}}})) != null ? stack1 : "")
    + ": LOGIN; the application. Not a superuser, cannot bypass row-level security, create\n--   databases or roles, and is a member of no role: it cannot become the owner.\n-- "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":14,"column":3},"end":{"line":14,"column":27}}})) != null ? stack1 : "")
    + ": NOLOGIN; SELECT on the app tables, still under row-level security. Grant it to a\n--   reporting login role if you need one.\n\n-- Password verifiers are SCRAM-SHA-256 whatever the server default is (DB-07).\nSET password_encryption = 'scram-sha-256';\n\nDO $roles$\nBEGIN\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":22,"column":65},"end":{"line":22,"column":91}}})) != null ? stack1 : "")
    + ") THEN\n    CREATE ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":23,"column":16},"end":{"line":23,"column":40}}})) != null ? stack1 : "")
    + " NOLOGIN;\n  END IF;\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":25,"column":65},"end":{"line":25,"column":94}}})) != null ? stack1 : "")
    + ") THEN\n    CREATE ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":26,"column":16},"end":{"line":26,"column":43}}})) != null ? stack1 : "")
    + " NOLOGIN;\n  END IF;\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":28,"column":65},"end":{"line":28,"column":89}}})) != null ? stack1 : "")
    + ") THEN\n    CREATE ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":29,"column":16},"end":{"line":29,"column":38}}})) != null ? stack1 : "")
    + " NOLOGIN;\n  END IF;\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":31,"column":65},"end":{"line":31,"column":94}}})) != null ? stack1 : "")
    + ") THEN\n    CREATE ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":32,"column":16},"end":{"line":32,"column":43}}})) != null ? stack1 : "")
    + " NOLOGIN;\n  END IF;\nEND\n$roles$;\n\n-- Attributes are set explicitly, so a role that existed before this script gets them too.\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":38,"column":11},"end":{"line":38,"column":35}}})) != null ? stack1 : "")
    + " NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":39,"column":11},"end":{"line":39,"column":38}}})) != null ? stack1 : "")
    + " NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":40,"column":11},"end":{"line":40,"column":38}}})) != null ? stack1 : "")
    + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT\n  PASSWORD :'migrator_password';\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":42,"column":11},"end":{"line":42,"column":33}}})) != null ? stack1 : "")
    + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT\n  PASSWORD :'app_password';\n\n-- The app role is a member of no role at all (so SET ROLE to the owner or the migrator is refused), and no role\n-- is a member of it. Memberships left by an earlier run or a hand edit are removed.\nDO $memberships$\nDECLARE\n  m record;\nBEGIN\n  FOR m IN\n    SELECT a.roleid::regrole AS granted, a.member::regrole AS grantee\n    FROM pg_catalog.pg_auth_members a\n    WHERE a.member = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":54,"column":21},"end":{"line":54,"column":45}}})) != null ? stack1 : "")
    + "::regrole OR a.roleid = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":54,"column":69},"end":{"line":54,"column":93}}})) != null ? stack1 : "")
    + "::regrole\n  LOOP\n    EXECUTE format('REVOKE %s FROM %s', m.granted, m.grantee);\n  END LOOP;\nEND\n$memberships$;\n\n-- The migrator may act as the owner, and does so from the start of each session: migrations (psql, golang-migrate\n-- or anything else) create objects owned by the NOLOGIN owner, never by a role that can log in (DB-15).\nGRANT "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":63,"column":6},"end":{"line":63,"column":30}}})) != null ? stack1 : "")
    + " TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":63,"column":34},"end":{"line":63,"column":61}}})) != null ? stack1 : "")
    + ";\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":64,"column":11},"end":{"line":64,"column":38}}})) != null ? stack1 : "")
    + " SET role = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":64,"column":50},"end":{"line":64,"column":76}}})) != null ? stack1 : "")
    + ";\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":65,"column":11},"end":{"line":65,"column":38}}})) != null ? stack1 : "")
    + " SET lock_timeout = '10s';\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":66,"column":11},"end":{"line":66,"column":38}}})) != null ? stack1 : "")
    + " SET idle_in_transaction_session_timeout = '5min';\n\n-- Timeouts of the app role (DB-10): a runaway query, a forgotten transaction or a lock queue cannot hold the\n-- database. The application may lower them per transaction (SET LOCAL); raise them here if a query needs it.\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":70,"column":11},"end":{"line":70,"column":33}}})) != null ? stack1 : "")
    + " SET statement_timeout = '5s';\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":71,"column":11},"end":{"line":71,"column":33}}})) != null ? stack1 : "")
    + " SET idle_in_transaction_session_timeout = '15s';\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":72,"column":11},"end":{"line":72,"column":33}}})) != null ? stack1 : "")
    + " SET lock_timeout = '2s';\nALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":73,"column":11},"end":{"line":73,"column":33}}})) != null ? stack1 : "")
    + " SET search_path = app;\n";
},"useData":true},
  },
  "db/db/init/020_schema.sql.hbs": {
    sha256: "8ebd7cf8b9af5931b922830181c5ed53d56824fee38ce367b0b852822fce4912",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- Database, schemas and default privileges (controls DB-02, DB-06, DB-15). Runs after 010_roles.sql, as a\n-- superuser connected to the application's database.\n\n-- Nobody but the roles of this application connects, and nobody creates temporary objects (DB-02).\nDO $database$\nBEGIN\n  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());\n  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I, %I', current_database(),\n    "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":9,"column":4},"end":{"line":9,"column":33}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":9,"column":35},"end":{"line":9,"column":59}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":9,"column":61},"end":{"line":9,"column":90}}})) != null ? stack1 : "")
    + ");\nEND\n$database$;\n\n-- Schema public: nobody may create objects there (PostgreSQL 15 no longer grants CREATE to PUBLIC, but a cluster\n-- upgraded from an older version still does: CVE-2018-1058 object shadowing) and nothing of this application\n-- lives there.\nREVOKE ALL ON SCHEMA public FROM PUBLIC;\n\n-- Schema app holds every object of the application and belongs to the NOLOGIN owner. The app role may only look\n-- names up in it; each migration grants exactly the table privileges it needs.\nCREATE SCHEMA IF NOT EXISTS app AUTHORIZATION "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":20,"column":46},"end":{"line":20,"column":70}}})) != null ? stack1 : "")
    + ";\nALTER SCHEMA app OWNER TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":21,"column":26},"end":{"line":21,"column":50}}})) != null ? stack1 : "")
    + ";\nREVOKE ALL ON SCHEMA app FROM PUBLIC;\nGRANT USAGE ON SCHEMA app TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":23,"column":29},"end":{"line":23,"column":51}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":23,"column":53},"end":{"line":23,"column":80}}})) != null ? stack1 : "")
    + ";\n\n-- Schema migrations holds the migration runner's bookkeeping (schema_migrations, the table golang-migrate and\n-- db/migrate.sh share), out of reach of the app role.\nCREATE SCHEMA IF NOT EXISTS migrations AUTHORIZATION "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":27,"column":53},"end":{"line":27,"column":77}}})) != null ? stack1 : "")
    + ";\nALTER SCHEMA migrations OWNER TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":28,"column":33},"end":{"line":28,"column":57}}})) != null ? stack1 : "")
    + ";\nREVOKE ALL ON SCHEMA migrations FROM PUBLIC;\n\n-- Default privileges of what the owner creates: no function is executable by PUBLIC unless a migration grants it\n-- (DB-06), the read-only role reads new tables (row-level security still applies to it), and the app role gets\n-- nothing by default.\nALTER DEFAULT PRIVILEGES FOR ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":34,"column":34},"end":{"line":34,"column":58}}})) != null ? stack1 : "")
    + " REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\nALTER DEFAULT PRIVILEGES FOR ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":35,"column":34},"end":{"line":35,"column":58}}})) != null ? stack1 : "")
    + " IN SCHEMA app GRANT SELECT ON TABLES TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":35,"column":99},"end":{"line":35,"column":126}}})) != null ? stack1 : "")
    + ";\n";
},"useData":true},
  },
  "db/db/migrations/0001_tenants.down.sql.hbs": {
    sha256: "5d4081332169e78ba57e92423f92d085712e9341d9343386d4c98da33f274645",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- Reverts 0001 tenants. Run by "
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":32},"end":{"line":1,"column":56}}})) != null ? stack1 : "")
    + ".\nBEGIN;\nDROP TABLE app.tenants;\nCOMMIT;\n";
},"useData":true},
  },
  "db/db/migrations/0001_tenants.up.sql.hbs": {
    sha256: "8d2c4dbf3457c75900ebbf7cb22fba5da5a0432a8e53f2d62270c311ecf6b6aa",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- 0001 tenants: one row per tenant. Run by "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":44},"end":{"line":1,"column":68}}})) != null ? stack1 : "")
    + " (its session acts as "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":90},"end":{"line":1,"column":111}}})) != null ? stack1 : "")
    + ").\nBEGIN;\n\n-- Migrations run as the owner, never as a superuser or the app role (DB-15): objects owned by anyone else would\n-- escape the privilege model below.\nDO $guard$\nBEGIN\n  IF current_user <> "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":8,"column":21},"end":{"line":8,"column":47}}})) != null ? stack1 : "")
    + " THEN\n    RAISE EXCEPTION 'migrations must run as % (connect as %), not as %',\n      "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":10,"column":6},"end":{"line":10,"column":32}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":10,"column":34},"end":{"line":10,"column":63}}})) != null ? stack1 : "")
    + ", current_user;\n  END IF;\nEND\n$guard$;\n\nCREATE TABLE app.tenants (\n  id uuid PRIMARY KEY,\n  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n\n-- Row-level security, also for the owner (DB-03). A tenant sees its own row only. The NULLIF makes an unset or\n-- reset tenant ('' once a transaction-local setting has ended) match nothing instead of failing the ::uuid cast\n-- (DB-04).\nALTER TABLE app.tenants ENABLE ROW LEVEL SECURITY;\nALTER TABLE app.tenants FORCE ROW LEVEL SECURITY;\nCREATE POLICY tenants_tenant_isolation ON app.tenants\n  USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)\n  WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);\n\n-- Tenants are provisioned by the migrator or an operator, never by the application.\nREVOKE ALL ON app.tenants FROM PUBLIC;\nGRANT SELECT ON app.tenants TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":32,"column":31},"end":{"line":32,"column":53}}})) != null ? stack1 : "")
    + ";\n\nCOMMIT;\n";
},"useData":true},
  },
  "db/db/migrations/0002_projects.down.sql.hbs": {
    sha256: "ca46b2b1d4084c99069e5d1e2b50c83a98c4d22f41e01a20855b172899b179c6",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- Reverts 0002 projects. Run by "
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":33},"end":{"line":1,"column":57}}})) != null ? stack1 : "")
    + ".\nBEGIN;\nDROP TABLE app.projects;\nCOMMIT;\n";
},"useData":true},
  },
  "db/db/migrations/0002_projects.up.sql.hbs": {
    sha256: "a8cf571e31f0ca64f9a74435637791e07a29cb9aa6f8d8ed989567dc9a41b741",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- 0002 projects: the example tenant-scoped table the API serves. Run by "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":73},"end":{"line":1,"column":97}}})) != null ? stack1 : "")
    + " (its session acts\n-- as "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":2,"column":6},"end":{"line":2,"column":27}}})) != null ? stack1 : "")
    + "). A new tenant table follows the same pattern: tenant_id, its index, ENABLE + FORCE\n-- ROW LEVEL SECURITY, one policy with USING and WITH CHECK, and only the grants the application needs.\nBEGIN;\n\nDO $guard$\nBEGIN\n  IF current_user <> "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":8,"column":21},"end":{"line":8,"column":47}}})) != null ? stack1 : "")
    + " THEN\n    RAISE EXCEPTION 'migrations must run as % (connect as %), not as %',\n      "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":10,"column":6},"end":{"line":10,"column":32}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":10,"column":34},"end":{"line":10,"column":63}}})) != null ? stack1 : "")
    + ", current_user;\n  END IF;\nEND\n$guard$;\n\nCREATE TABLE app.projects (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  tenant_id uuid NOT NULL REFERENCES app.tenants (id),\n  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),\n  created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX projects_tenant_id_idx ON app.projects (tenant_id);\n\n-- Every row belongs to the tenant of the current transaction: reads (USING) and writes (WITH CHECK) of any\n-- other tenant's rows are refused, and without a tenant nothing matches (DB-03, DB-04).\nALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;\nALTER TABLE app.projects FORCE ROW LEVEL SECURITY;\nCREATE POLICY projects_tenant_isolation ON app.projects\n  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)\n  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);\n\n-- The application reads and writes rows; it cannot TRUNCATE (which ignores row-level security), reference the\n-- table from its own, or add triggers.\nREVOKE ALL ON app.projects FROM PUBLIC;\nGRANT SELECT, INSERT, UPDATE, DELETE ON app.projects TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":34,"column":56},"end":{"line":34,"column":78}}})) != null ? stack1 : "")
    + ";\n\nCOMMIT;\n";
},"useData":true},
  },
  "db/db/pg_hba.conf.hbs": {
    sha256: "a68ce4e4ca7c260ae90d02ef0ff07e27915cfd1a46f86a4c1791779487d543ae",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# pg_hba.conf for the "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":1,"column":22},"end":{"line":1,"column":40}}})) != null ? stack1 : "")
    + " database (controls DB-08, DB-09). The first matching line wins, so\n# the order matters. There is no trust, password or md5 line, and no plain host line: every network connection\n# is TLS (hostssl) with a SCRAM-SHA-256 password, or rejected.\n#\n# TYPE     DATABASE  USER      ADDRESS  METHOD\n\n# Unix socket inside the database host or container: the postgres operating-system user as the postgres\n# superuser (bootstrap, db/init.sh, break-glass administration), every other role with its SCRAM password.\nlocal      all       postgres           peer\nlocal      all       all                scram-sha-256\n\n# Network without TLS: rejected, whoever asks.\nhostnossl  all       all       all      reject\n\n# Network with TLS: only the migration job and the application, only to their database, with SCRAM-SHA-256.\n# The superuser cannot log in over the network. Add a line here for a reporting role that is granted\n# "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"readonly"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":17,"column":2},"end":{"line":17,"column":26}}})) != null ? stack1 : "")
    + ".\nhostssl    "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"database"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":18,"column":11},"end":{"line":18,"column":29}}})) != null ? stack1 : "")
    + "  "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":18,"column":31},"end":{"line":18,"column":55}}})) != null ? stack1 : "")
    + ","
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":18,"column":56},"end":{"line":18,"column":75}}})) != null ? stack1 : "")
    + "  all  scram-sha-256\n";
},"useData":true},
  },
  "db/db/tests/catalog.sql.hbs": {
    sha256: "1a57c0de7a623d9c9feb4dffcd26a2c57fd99cade8414250b2b9a989318a1a27",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- Catalog checks of the privilege model (DB-01, DB-02, DB-03, DB-04, DB-06, DB-09, DB-10, DB-15). Run as the app\n-- role over TLS. They hold for every table a later migration adds to schema app, so a migration that forgets\n-- row-level security, a policy, an index or a grant limit fails here. Each check raises 'FAIL: ...' and stops psql;\n-- \"ok - ...\" follows each one that passed.\n\nDO $t$\nDECLARE\n  r record;\nBEGIN\n  SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":10,"column":59},"end":{"line":10,"column":83}}})) != null ? stack1 : "")
    + ";\n  IF r.rolsuper OR r.rolbypassrls OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolinherit\n     OR NOT r.rolcanlogin THEN\n    RAISE EXCEPTION 'FAIL: "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":13,"column":27},"end":{"line":13,"column":46}}})) != null ? stack1 : "")
    + " must be LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT';\n  END IF;\n  IF current_user <> "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":15,"column":21},"end":{"line":15,"column":45}}})) != null ? stack1 : "")
    + " OR session_user <> "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":15,"column":65},"end":{"line":15,"column":89}}})) != null ? stack1 : "")
    + " THEN\n    RAISE EXCEPTION 'FAIL: run these checks logged in as "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":16,"column":57},"end":{"line":16,"column":76}}})) != null ? stack1 : "")
    + ", not as %', session_user;\n  END IF;\nEND\n$t$;\n\\echo 'ok - the app role is LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT'\n\nDO $t$\nBEGIN\n  IF EXISTS (SELECT FROM pg_catalog.pg_auth_members WHERE member = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":24,"column":67},"end":{"line":24,"column":91}}})) != null ? stack1 : "")
    + "::regrole)\n     OR pg_has_role("
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":25,"column":20},"end":{"line":25,"column":44}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":25,"column":46},"end":{"line":25,"column":72}}})) != null ? stack1 : "")
    + ", 'MEMBER')\n     OR pg_has_role("
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":26,"column":20},"end":{"line":26,"column":44}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":26,"column":46},"end":{"line":26,"column":75}}})) != null ? stack1 : "")
    + ", 'MEMBER') THEN\n    RAISE EXCEPTION 'FAIL: the app role is a member of another role';\n  END IF;\nEND\n$t$;\n\\echo 'ok - the app role is a member of no role (not of the owner, not of the migrator)'\n\nDO $t$\nDECLARE\n  r record;\nBEGIN\n  SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":37,"column":59},"end":{"line":37,"column":85}}})) != null ? stack1 : "")
    + ";\n  IF r.rolcanlogin OR r.rolsuper OR r.rolbypassrls THEN\n    RAISE EXCEPTION 'FAIL: the owner role must be NOLOGIN NOSUPERUSER NOBYPASSRLS';\n  END IF;\n  SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":41,"column":59},"end":{"line":41,"column":88}}})) != null ? stack1 : "")
    + ";\n  IF r.rolsuper OR r.rolbypassrls OR NOT pg_has_role("
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":42,"column":53},"end":{"line":42,"column":82}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":42,"column":84},"end":{"line":42,"column":110}}})) != null ? stack1 : "")
    + ", 'MEMBER') THEN\n    RAISE EXCEPTION 'FAIL: the migrator must be NOSUPERUSER NOBYPASSRLS and a member of the owner';\n  END IF;\nEND\n$t$;\n\\echo 'ok - the owner is NOLOGIN and cannot bypass row-level security; the migrator is a member of it'\n\nDO $t$\nDECLARE\n  bad text;\nBEGIN\n  SELECT string_agg(format('%I.%I', n.nspname, c.relname) || ' (' || c.relkind::text || ')', ', ') INTO bad\n  FROM pg_catalog.pg_class c\n  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n  WHERE n.nspname = 'app' AND c.relowner <> "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":56,"column":44},"end":{"line":56,"column":70}}})) != null ? stack1 : "")
    + "::regrole;\n  IF bad IS NOT NULL THEN\n    RAISE EXCEPTION 'FAIL: objects in schema app not owned by "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":58,"column":62},"end":{"line":58,"column":83}}})) != null ? stack1 : "")
    + ": %', bad;\n  END IF;\n  IF (SELECT nspowner FROM pg_catalog.pg_namespace WHERE nspname = 'app') <> "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":60,"column":77},"end":{"line":60,"column":103}}})) != null ? stack1 : "")
    + "::regrole THEN\n    RAISE EXCEPTION 'FAIL: schema app is not owned by "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":61,"column":54},"end":{"line":61,"column":75}}})) != null ? stack1 : "")
    + "';\n  END IF;\nEND\n$t$;\n\\echo 'ok - schema app and every object in it belong to the NOLOGIN owner'\n\nDO $t$\nBEGIN\n  IF has_database_privilege(current_database(), 'CREATE') OR has_database_privilege(current_database(), 'TEMPORARY') THEN\n    RAISE EXCEPTION 'FAIL: the app role may create schemas or temporary objects in the database';\n  END IF;\n  IF EXISTS (SELECT FROM pg_catalog.pg_database d, aclexplode(d.datacl) a\n             WHERE d.datname = current_database() AND a.grantee = 0) THEN\n    RAISE EXCEPTION 'FAIL: PUBLIC still has privileges on the database';\n  END IF;\n  IF has_schema_privilege('public', 'CREATE') OR has_schema_privilege('public', 'USAGE') THEN\n    RAISE EXCEPTION 'FAIL: the app role may use or create objects in schema public';\n  END IF;\n  IF has_schema_privilege('app', 'CREATE') THEN\n    RAISE EXCEPTION 'FAIL: the app role may create objects in schema app';\n  END IF;\n  IF has_schema_privilege('migrations', 'USAGE') THEN\n    RAISE EXCEPTION 'FAIL: the app role may use schema migrations';\n  END IF;\nEND\n$t$;\n\\echo 'ok - the app role cannot create anything: no CREATE or TEMPORARY on the database, no CREATE in public or app'\n\nDO $t$\nDECLARE\n  bad text;\nBEGIN\n  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO bad\n  FROM pg_catalog.pg_class c\n  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n  WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p') AND NOT (c.relrowsecurity AND c.relforcerowsecurity);\n  IF bad IS NOT NULL THEN\n    RAISE EXCEPTION 'FAIL: tables without ENABLE and FORCE ROW LEVEL SECURITY: %', bad;\n  END IF;\n  IF (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n      WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p')) < 2 THEN\n    RAISE EXCEPTION 'FAIL: schema app does not hold the tenants and projects tables';\n  END IF;\nEND\n$t$;\n\\echo 'ok - every table in schema app has row-level security enabled and forced'\n\nDO $t$\nDECLARE\n  bad text;\nBEGIN\n  -- Every table has a policy; every policy is a permissive FOR ALL policy for PUBLIC whose USING and WITH CHECK\n  -- both compare with NULLIF(current_setting('app.tenant_id', true), '')::uuid.\n  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO bad\n  FROM pg_catalog.pg_class c\n  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n  WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p')\n    AND NOT EXISTS (SELECT FROM pg_catalog.pg_policies p WHERE p.schemaname = 'app' AND p.tablename = c.relname);\n  IF bad IS NOT NULL THEN\n    RAISE EXCEPTION 'FAIL: tables without a policy: %', bad;\n  END IF;\n  SELECT string_agg(p.tablename || '.' || p.policyname, ', ') INTO bad\n  FROM pg_catalog.pg_policies p\n  WHERE p.schemaname = 'app'\n    AND NOT (p.permissive = 'PERMISSIVE' AND p.cmd = 'ALL' AND p.roles = '{public}'\n             AND p.qual LIKE '%= (NULLIF(current_setting(''app.tenant_id''::text, true), ''''::text))::uuid)'\n             AND p.with_check LIKE '%= (NULLIF(current_setting(''app.tenant_id''::text, true), ''''::text))::uuid)');\n  IF bad IS NOT NULL THEN\n    RAISE EXCEPTION 'FAIL: policies that are not the fail-closed tenant policy (USING and WITH CHECK on NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid): %', bad;\n  END IF;\nEND\n$t$;\n\\echo 'ok - every table has the fail-closed tenant policy, with USING and WITH CHECK'\n\nDO $t$\nDECLARE\n  bad text;\nBEGIN\n  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO bad\n  FROM pg_catalog.pg_class c\n  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped\n  WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p')\n    AND NOT EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum);\n  IF bad IS NOT NULL THEN\n    RAISE EXCEPTION 'FAIL: tenant tables without an index leading with tenant_id: %', bad;\n  END IF;\nEND\n$t$;\n\\echo 'ok - every tenant table has an index leading with tenant_id'\n\nDO $t$\nDECLARE\n  bad text;\nBEGIN\n  SELECT string_agg(format('%I.%I', n.nspname, c.relname) || ' ' || p.privilege, ', ') INTO bad\n  FROM pg_catalog.pg_class c\n  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n  CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege)\n  WHERE n.nspname = 'app' AND has_table_privilege(c.oid, p.privilege);\n  IF bad IS NOT NULL THEN\n    RAISE EXCEPTION 'FAIL: the app role holds privileges it never needs: %', bad;\n  END IF;\n  IF has_table_privilege('app.tenants', 'INSERT') OR has_table_privilege('app.tenants', 'UPDATE')\n     OR has_table_privilege('app.tenants', 'DELETE') OR NOT has_table_privilege('app.tenants', 'SELECT') THEN\n    RAISE EXCEPTION 'FAIL: the app role must only SELECT app.tenants';\n  END IF;\n  IF NOT (has_table_privilege('app.projects', 'SELECT') AND has_table_privilege('app.projects', 'INSERT')\n          AND has_table_privilege('app.projects', 'UPDATE') AND has_table_privilege('app.projects', 'DELETE')) THEN\n    RAISE EXCEPTION 'FAIL: the app role must SELECT, INSERT, UPDATE and DELETE app.projects';\n  END IF;\nEND\n$t$;\n\\echo 'ok - table privileges of the app role: no TRUNCATE, REFERENCES or TRIGGER anywhere; SELECT only on tenants'\n\nDO $t$\nDECLARE\n  bad text;\nBEGIN\n  SELECT string_agg(format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), ', ') INTO bad\n  FROM pg_catalog.pg_proc p\n  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace\n  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prosecdef\n    AND (NOT EXISTS (SELECT FROM unnest(p.proconfig) AS setting WHERE setting LIKE 'search\\_path=%')\n         OR p.proacl IS NULL\n         OR EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0));\n  IF bad IS NOT NULL THEN\n    RAISE EXCEPTION 'FAIL: SECURITY DEFINER functions without a pinned search_path or executable by PUBLIC: %', bad;\n  END IF;\nEND\n$t$;\n\\echo 'ok - every SECURITY DEFINER function pins its search_path and is not executable by PUBLIC'\n\nDO $t$\nDECLARE\n  config text[];\nBEGIN\n  SELECT rolconfig INTO config FROM pg_catalog.pg_roles WHERE rolname = "
    + ((stack1 = lookupProperty(helpers,"sqlLiteral").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlLiteral","hash":{},"data":data,"loc":{"start":{"line":198,"column":72},"end":{"line":198,"column":96}}})) != null ? stack1 : "")
    + ";\n  IF NOT (EXISTS (SELECT FROM unnest(config) s WHERE s LIKE 'statement\\_timeout=%')\n          AND EXISTS (SELECT FROM unnest(config) s WHERE s LIKE 'idle\\_in\\_transaction\\_session\\_timeout=%')\n          AND EXISTS (SELECT FROM unnest(config) s WHERE s LIKE 'lock\\_timeout=%')) THEN\n    RAISE EXCEPTION 'FAIL: the app role lacks statement_timeout, idle_in_transaction_session_timeout or lock_timeout: %', config;\n  END IF;\n  IF current_setting('statement_timeout') = '0' OR current_setting('idle_in_transaction_session_timeout') = '0'\n     OR current_setting('lock_timeout') = '0' THEN\n    RAISE EXCEPTION 'FAIL: this session of the app role runs without its timeouts';\n  END IF;\nEND\n$t$;\n\\echo 'ok - the app role has statement, idle-in-transaction and lock timeouts'\n\nDO $t$\nDECLARE\n  r record;\nBEGIN\n  SELECT ssl, version INTO r FROM pg_catalog.pg_stat_ssl WHERE pid = pg_backend_pid();\n  IF r.ssl IS DISTINCT FROM true OR r.version NOT IN ('TLSv1.2', 'TLSv1.3') THEN\n    RAISE EXCEPTION 'FAIL: this connection of the app role is not TLS 1.2 or later (ssl %, %)', r.ssl, r.version;\n  END IF;\nEND\n$t$;\n\\echo 'ok - the app role is connected over TLS 1.2 or later'\n";
},"useData":true},
  },
  "db/db/tests/escalation.sql.hbs": {
    sha256: "fac58f77d0ce271c0d36033a40a33c27aa78b2ba2b30c7821075537183a8f9df",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "-- Privilege escalation attempts of a compromised application (DB-01, DB-02, DB-03, DB-15). Run as the app role,\n-- logged in as itself (not through SET ROLE from a superuser, which would make SET ROLE checks meaningless).\n-- Every attempt must fail with insufficient_privilege (SQLSTATE 42501); one that succeeds raises 'FAIL: ...' (and\n-- its effect is rolled back with the failing statement). \"ok - ...\" follows each attempt that was refused.\n\nDO $t$\nBEGIN\n  ALTER TABLE app.projects DISABLE ROW LEVEL SECURITY;\n  RAISE EXCEPTION 'FAIL: the app role disabled row-level security on app.projects';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot disable row-level security'\n\nDO $t$\nBEGIN\n  ALTER TABLE app.projects NO FORCE ROW LEVEL SECURITY;\n  RAISE EXCEPTION 'FAIL: the app role un-forced row-level security on app.projects';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot un-force row-level security'\n\nDO $t$\nBEGIN\n  DROP POLICY projects_tenant_isolation ON app.projects;\n  RAISE EXCEPTION 'FAIL: the app role dropped the tenant policy';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot drop a policy'\n\nDO $t$\nBEGIN\n  CREATE POLICY allow_everything ON app.projects USING (true) WITH CHECK (true);\n  RAISE EXCEPTION 'FAIL: the app role added a permissive policy';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot add a permissive policy'\n\nDO $t$\nBEGIN\n  ALTER POLICY projects_tenant_isolation ON app.projects USING (true);\n  RAISE EXCEPTION 'FAIL: the app role rewrote the tenant policy';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot rewrite a policy'\n\nDO $t$\nBEGIN\n  SET LOCAL row_security = off;\n  PERFORM count(*) FROM app.projects;\n  RAISE EXCEPTION 'FAIL: with row_security off the app role read the table unfiltered';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot switch row-level security off (the query fails instead)'\n\nDO $t$\nBEGIN\n  TRUNCATE app.projects;\n  RAISE EXCEPTION 'FAIL: the app role truncated app.projects (TRUNCATE ignores row-level security)';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot TRUNCATE (which ignores row-level security)'\n\nDO $t$\nBEGIN\n  INSERT INTO app.tenants (id, name) VALUES (gen_random_uuid(), 'planted');\n  RAISE EXCEPTION 'FAIL: the app role created a tenant';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create tenants (it only reads its own)'\n\nDO $t$\nBEGIN\n  SET ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":89,"column":11},"end":{"line":89,"column":35}}})) != null ? stack1 : "")
    + ";\n  RAISE EXCEPTION 'FAIL: the app role became the owner';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot SET ROLE to the owner'\n\nDO $t$\nBEGIN\n  SET ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"migrator"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":99,"column":11},"end":{"line":99,"column":38}}})) != null ? stack1 : "")
    + ";\n  RAISE EXCEPTION 'FAIL: the app role became the migrator';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot SET ROLE to the migrator'\n\nDO $t$\nBEGIN\n  SET SESSION AUTHORIZATION "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":109,"column":28},"end":{"line":109,"column":52}}})) != null ? stack1 : "")
    + ";\n  RAISE EXCEPTION 'FAIL: the app role switched its session authorization';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot SET SESSION AUTHORIZATION'\n\nDO $t$\nBEGIN\n  GRANT "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"owner"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":119,"column":8},"end":{"line":119,"column":32}}})) != null ? stack1 : "")
    + " TO "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":119,"column":36},"end":{"line":119,"column":58}}})) != null ? stack1 : "")
    + ";\n  RAISE EXCEPTION 'FAIL: the app role granted itself the owner role';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot grant itself the owner role'\n\nDO $t$\nBEGIN\n  ALTER ROLE "
    + ((stack1 = lookupProperty(helpers,"sqlIdent").call(alias1,lookupProperty(lookupProperty(depth0,"roles"),"app"),{"name":"sqlIdent","hash":{},"data":data,"loc":{"start":{"line":129,"column":13},"end":{"line":129,"column":35}}})) != null ? stack1 : "")
    + " BYPASSRLS;\n  RAISE EXCEPTION 'FAIL: the app role gave itself BYPASSRLS';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot give itself BYPASSRLS'\n\nDO $t$\nBEGIN\n  CREATE ROLE policy_test_intruder LOGIN SUPERUSER;\n  RAISE EXCEPTION 'FAIL: the app role created a role';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create roles'\n\nDO $t$\nBEGIN\n  CREATE TABLE app.policy_test_intruder (id int);\n  RAISE EXCEPTION 'FAIL: the app role created a table in schema app';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create objects in schema app'\n\nDO $t$\nBEGIN\n  CREATE TABLE public.policy_test_intruder (id int);\n  RAISE EXCEPTION 'FAIL: the app role created a table in schema public';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create objects in schema public'\n\nDO $t$\nBEGIN\n  CREATE SCHEMA policy_test_intruder;\n  RAISE EXCEPTION 'FAIL: the app role created a schema';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create schemas'\n\nDO $t$\nBEGIN\n  CREATE TEMPORARY TABLE policy_test_intruder (id int);\n  RAISE EXCEPTION 'FAIL: the app role created a temporary table';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create temporary objects'\n\nDO $t$\nBEGIN\n  CREATE VIEW app.policy_test_leak AS SELECT * FROM app.projects;\n  RAISE EXCEPTION 'FAIL: the app role created a view over app.projects';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create a view to read through'\n\nDO $t$\nBEGIN\n  CREATE FUNCTION public.policy_test_leak() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM app.projects';\n  RAISE EXCEPTION 'FAIL: the app role created a SECURITY DEFINER function';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create a function to run as another role'\n\nDO $t$\nBEGIN\n  CREATE FUNCTION pg_temp.policy_test_leak() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM app.projects';\n  RAISE EXCEPTION 'FAIL: the app role created a temporary function';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot create temporary functions'\n\nDO $t$\nBEGIN\n  CREATE INDEX policy_test_intruder ON app.projects (name);\n  RAISE EXCEPTION 'FAIL: the app role created an index on app.projects';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot alter tables (create an index)'\n\nDO $t$\nBEGIN\n  DROP TABLE app.projects;\n  RAISE EXCEPTION 'FAIL: the app role dropped app.projects';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot drop tables'\n\nDO $t$\nBEGIN\n  PERFORM 1 FROM migrations.schema_migrations;\n  RAISE EXCEPTION 'FAIL: the app role reached the migrations schema';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot reach the migrations schema'\n\nDO $t$\nBEGIN\n  COPY app.projects TO PROGRAM 'cat';\n  RAISE EXCEPTION 'FAIL: the app role ran a program on the server';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot run programs on the server (COPY TO PROGRAM)'\n\nDO $t$\nBEGIN\n  PERFORM pg_read_file('postgresql.conf');\n  RAISE EXCEPTION 'FAIL: the app role read a server file';\nEXCEPTION WHEN insufficient_privilege THEN\n  NULL;\nEND\n$t$;\n\\echo 'ok - the app role cannot read server files'\n";
},"useData":true},
  },
  "docs/SECURITY.md.hbs": {
    sha256: "14a16d45d00e9e8888e358a3a0e8fef7d88ed3b552642ccdca3c5e0abbdbd713",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return " or through GitHub's private vulnerability reporting on this repository (Security → Report a vulnerability)";
},"1":function(container,depth0,helpers,partials,data) {
    return "web/public/.well-known/security.txt";
},"2":function(container,depth0,helpers,partials,data) {
    return ".well-known/security.txt";
},"3":function(container,depth0,helpers,partials,data) {
    return "The [threat model](docs/security/THREAT_MODEL.md) lists the assets, trust boundaries and the controls\nthat answer each threat; the [incident runbook](docs/security/INCIDENT_RUNBOOK.md) says who does what\nin an incident; the [secrets inventory](docs/security/SECRETS.md) lists every secret and its rotation.\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Security policy\n\n## Reporting a vulnerability\n\nPlease report vulnerabilities privately to **"
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"securityContact"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":5,"column":45},"end":{"line":5,"column":79}}})) != null ? stack1 : "")
    + "**"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"ci"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":5,"column":81},"end":{"line":5,"column":209}}})) != null ? stack1 : "")
    + ".\nDo not open a public issue.\n\nInclude what you found, how to reproduce it, and what an attacker could do with it. We acknowledge a\nreport within 2 business days and tell you within 10 business days what we will do about it. We credit\nreporters who want credit once a fix ships.\n\nMachine-readable contact details are in [`security.txt`]("
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.program(2, data, 0),"data":data,"loc":{"start":{"line":12,"column":57},"end":{"line":12,"column":146}}})) != null ? stack1 : "")
    + ") (RFC 9116).\n\n## Supported versions\n\nOnly the latest release on the default branch receives security fixes.\n\n## Fix timelines\n\nCounted from the moment a vulnerability is confirmed, for this project's code and its dependencies:\n\n| Severity (CVSS)     | Fixed and deployed within |\n| ------------------- | ------------------------- |\n| Critical (9.0–10.0) | 2 days                    |\n| High (7.0–8.9)      | 7 days                    |\n| Medium (4.0–6.9)    | 30 days                   |\n| Low (0.1–3.9)       | next planned release      |\n\n## How this project is protected\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"docs"),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":31,"column":0},"end":{"line":35,"column":7}}})) != null ? stack1 : "");
},"useData":true},
  },
  "docs/docs/security/INCIDENT_RUNBOOK.md.hbs": {
    sha256: "26919878bfe9fe01ecd1845b09314e21340276145b5a2b1dc9f7246f95ce8897",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return " another tenant or";
},"1":function(container,depth0,helpers,partials,data) {
    return "- API security events (JSON logs): bursts of `authn_login_fail`, `authz_fail`, `excess_rate_limit_exceeded`, and any `bad_signature`, `alg_not_allowed` or `unknown_kid` reason.\n- API alerts: the Prometheus rules of `api/ops/prometheus/alerts.rules.yml` on the api's `/metrics` counters (see `api/ops/README.md`).\n";
},"2":function(container,depth0,helpers,partials,data) {
    return "- Database logs: connections, `permission denied` and row-level security errors from the application role.\n";
},"3":function(container,depth0,helpers,partials,data) {
    return "- CSP violation reports collected by the web app's report endpoint.\n";
},"4":function(container,depth0,helpers,partials,data) {
    return "- GitHub: secret-scanning and code-scanning alerts, Dependabot alerts, changes to `.github/workflows`, unexpected deployments.\n";
},"5":function(container,depth0,helpers,partials,data) {
    return " tenants and";
},"6":function(container,depth0,helpers,partials,data) {
    return "- **API signing keys**: rotate the IdP signing key, publish the new JWKS and remove the compromised key; the API refetches on an unknown `kid` and then rejects tokens signed with the removed key.\n";
},"7":function(container,depth0,helpers,partials,data) {
    return "- **Database credentials**: set a new password for the application role (and the migrator if exposed), update the secret files, and restart or reconnect the pool; revoke active sessions with `pg_terminate_backend`.\n";
},"8":function(container,depth0,helpers,partials,data) {
    return "- **Web session and Server Action keys**: rotate the session secret and `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY`; every session ends and users sign in again.\n";
},"9":function(container,depth0,helpers,partials,data) {
    return "- **GitHub**: revoke leaked tokens, disable the affected workflows, remove or narrow the cloud's OIDC trust for this repository, and require review for every deployment.\n";
},"10":function(container,depth0,helpers,partials,data) {
    return " The `rollback` workflow (`.github/workflows/rollback.yml`, run by\nhand) does both: it verifies the digest's attestation, then deploys it through the production environment.";
},"11":function(container,depth0,helpers,partials,data) {
    return "### Signing-key rotation\n\nScript: `cd api && python3 -m drills.signing_key_rotation` (a rehearsal on 127.0.0.1: the api under uvicorn, a\nstand-in identity provider, a client calling throughout; it passes with zero failed requests).\n\n- [ ] Who can create and publish a new signing key at the identity provider, and how long does it take?\n- [ ] Publish the new key beside the old one at least `JWKS_CACHE_SECONDS` before signing with it.\n- [ ] Switch signing to the new key; check the api accepts its `kid` (no `unknown_kid` alert).\n- [ ] Remove the compromised key; within `JWKS_CACHE_SECONDS` tokens signed with it are refused.\n- [ ] Revoke refresh tokens issued under the old key; confirm the `ApiForgedTokenBurst` alert reaches someone.\n\nLast run: _not yet run_\n\n";
},"12":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "### Database credential rotation\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(13, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":122,"column":0},"end":{"line":127,"column":7}}})) != null ? stack1 : "")
    + "- [ ] Generate a new password for the application role and `ALTER ROLE ... PASSWORD` as an administrator.\n- [ ] Replace the secret file "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(14, data, 0),"inverse":container.program(15, data, 0),"data":data,"loc":{"start":{"line":129,"column":30},"end":{"line":129,"column":122}}})) != null ? stack1 : "")
    + " in one rename (never edit it in place).\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(16, data, 0),"inverse":container.program(17, data, 0),"data":data,"loc":{"start":{"line":130,"column":0},"end":{"line":134,"column":7}}})) != null ? stack1 : "")
    + "- [ ] Terminate the old sessions of the role with `pg_terminate_backend`; confirm nothing logs in with the old password.\n\nLast run: _not yet run_\n\n";
},"13":function(container,depth0,helpers,partials,data) {
    return "Script: `cd api && python3 -m drills.database_credential_rotation` with `DRILL_DATABASE_URL` (the application\nrole) and `DRILL_ADMIN_URL` (a role that may alter it), on a staging database: it rotates the password while a\nclient calls the api, and passes with zero failed requests and no restart.\n\n";
},"14":function(container,depth0,helpers,partials,data) {
    return "the api reads through `DATABASE_URL_FILE`";
},"15":function(container,depth0,helpers,partials,data) {
    return "the application reads";
},"16":function(container,depth0,helpers,partials,data) {
    return "- [ ] Wait `DB_POOL_MAX_LIFETIME_SECONDS`: the api's pool opens new connections with the file's new URL; watch the 5xx ratio.\n";
},"17":function(container,depth0,helpers,partials,data) {
    return "- [ ] Restart the application's replicas one at a time so they read the new password; watch the 5xx ratio.\n";
},"18":function(container,depth0,helpers,partials,data) {
    return "### Web session-key rotation\n\nScript: `cd web && npm run build && npm run drill:session-key` (a rehearsal on 127.0.0.1: the built app under\n`next start` with its key in `SESSION_SECRET_FILE`, a stand-in identity provider and API; it signs in, rotates\nthe key and restarts, and passes when the old cookie ends cleanly and a new login works).\n\n- [ ] Generate a new session secret and `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY` and store them in the secret store.\n- [ ] Replace the secret file the web app reads through `SESSION_SECRET_FILE` in one rename, then redeploy or\n      restart it; every existing session ends and users sign in again (the app keeps no previous key).\n- [ ] Confirm an old session cookie is refused cleanly: pages send the user to the login, which deletes it; route\n      handlers answer 401 and delete it; no 5xx appears; in-flight forms fail with a message, not a crash.\n\nLast run: _not yet run_\n\n";
},"19":function(container,depth0,helpers,partials,data) {
    return "Run the `rollback` workflow with it (it verifies the provenance attestation first)";
},"20":function(container,depth0,helpers,partials,data) {
    return "Redeploy it after verifying its provenance attestation";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Incident runbook: "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":20},"end":{"line":1,"column":42}}})) != null ? stack1 : "")
    + "\n\nUse this when a security event is suspected. Speed matters more than polish: declare early, downgrade later.\nPractise it: run a tabletop exercise at least twice a year and record it in the drill log at the end.\n\n## Roles and contacts\n\n| Role                                | Who           | How to reach them                  |\n| ----------------------------------- | ------------- | ---------------------------------- |\n| Incident commander                  | _name_        | _phone / chat_                     |\n| Technical lead                      | _name_        | _phone / chat_                     |\n| Communications lead                 | _name_        | _phone / chat_                     |\n| Security contact (external reports) | security team | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"securityContact"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":13,"column":56},"end":{"line":13,"column":90}}})) != null ? stack1 : "")
    + " |\n\nFill in the table before the first release; `SECURITY.md` points reporters to the security contact.\n\n## Severity matrix\n\n| Severity | Examples                                                                                                                                           | Response                                  |\n| -------- | -------------------------------------------------------------------------------------------------------------------------------------------------- | ----------------------------------------- |\n| SEV-1    | data of"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":21,"column":20},"end":{"line":21,"column":72}}})) != null ? stack1 : "")
    + " many users exposed; signing key or database credentials leaked; production compromised | all hands now; containment within 1 hour  |\n| SEV-2    | exploitable vulnerability in production, no evidence of use; a single account taken over                                                           | same business day                         |\n| SEV-3    | vulnerability with mitigations in place; suspicious but unconfirmed activity                                                                       | within the fix timelines of `SECURITY.md` |\n\n## Detection sources\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":27,"column":0},"end":{"line":30,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":31,"column":0},"end":{"line":33,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":34,"column":0},"end":{"line":36,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"ci"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":37,"column":0},"end":{"line":39,"column":7}}})) != null ? stack1 : "")
    + "- Reports to "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"securityContact"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":40,"column":13},"end":{"line":40,"column":47}}})) != null ? stack1 : "")
    + " and from the identity provider's own alerts.\n\n## Triage\n\n1. Open an incident channel and a timeline document; note every action with its UTC time.\n2. Decide the severity with the matrix; name the incident commander.\n3. Establish scope: which layer, which"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":46,"column":38},"end":{"line":46,"column":84}}})) != null ? stack1 : "")
    + " users, since when, still ongoing or not.\n4. Preserve evidence before changing anything that would destroy it (see Evidence preservation).\n\n## Containment\n\nContain per layer; each step names what it breaks so the commander can choose.\n\n- **Identity provider**: revoke the affected users' sessions and refresh tokens; disable a compromised client.\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":54,"column":0},"end":{"line":56,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(7, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":57,"column":0},"end":{"line":59,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":60,"column":0},"end":{"line":62,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"ci"),{"name":"if","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":63,"column":0},"end":{"line":65,"column":7}}})) != null ? stack1 : "")
    + "- **Network**: block offending IP ranges at the edge; scale down or isolate a compromised service.\n\n## Eradication\n\nFind and remove the cause: patch the vulnerability, remove backdoors and unknown accounts, rotate every\ncredential the attacker could have read (see `docs/security/SECRETS.md`), and add a test or a check that\nwould have caught it.\n\n## Recovery\n\nRedeploy only from a known-good, attested image digest built by CI from a reviewed commit; verify its\nprovenance before deploying."
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"release"),"deploys"),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":77,"column":28},"end":{"line":78,"column":113}}})) != null ? stack1 : "")
    + " Restore data from backups taken before the compromise when integrity is in\ndoubt. Watch the detection sources closely for two weeks.\n\n## Evidence preservation\n\nBefore cleaning up: export the relevant logs (API, database, proxy, GitHub audit log, cloud audit log),\nsnapshot affected volumes and containers, and record image digests. Store evidence read-only with its hash\nand who handled it.\n\n## Communications and breach notification\n\n- Internal: status updates at a fixed interval in the incident channel.\n- Users and customers: tell affected users what happened, what data, and what they should do.\n- Regulators: personal-data breaches may have legal deadlines (for example 72 hours under the GDPR from\n  awareness); the communications lead owns the clock and the legal review.\n\n## Post-incident review\n\nWithin 5 business days: a blameless review with timeline, root cause, what went well, what did not, and\nactions with owners and dates. Update the threat model and this runbook with what was learned.\n\n## Drills\n\nRehearse each containment step before you need it. Run the drill's script where there is one, walk through\nits tabletop checklist with the people of the roles table, and record the date below and in the drill log.\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(11, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":104,"column":0},"end":{"line":118,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(12, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":119,"column":0},"end":{"line":139,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(18, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":140,"column":0},"end":{"line":155,"column":7}}})) != null ? stack1 : "")
    + "### Rollback\n\n- [ ] Find the digest of the last known-good image (the publish job of its ci run).\n- [ ] "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"release"),"deploys"),{"name":"if","hash":{},"fn":container.program(19, data, 0),"inverse":container.program(20, data, 0),"data":data,"loc":{"start":{"line":159,"column":6},"end":{"line":159,"column":180}}})) != null ? stack1 : "")
    + "; who approves the production environment?\n- [ ] Confirm the service runs that digest, and the alerts are quiet again.\n\nLast run: _not yet run_\n\n## Drill log\n\n| Date          | Drill                        | Participants | Findings |\n| ------------- | ---------------------------- | ------------ | -------- |\n| _not yet run_ | tabletop: leaked signing key |              |          |\n";
},"useData":true},
  },
  "docs/docs/security/SECRETS.md.hbs": {
    sha256: "c080350f54cb070809b083ff4dcd961984bfd640cf095da2fdcc2dffa5090902",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| Secret | Used by | Stored in | Rotation | Rotate now if |\n| ------ | ------- | --------- | -------- | ------------- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"secrets"),{"name":"each","hash":{},"fn":container.program(1, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":10,"column":0},"end":{"line":12,"column":9}}})) != null ? stack1 : "");
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":2},"end":{"line":11,"column":17}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"usedBy"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":20},"end":{"line":11,"column":37}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"storedIn"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":40},"end":{"line":11,"column":59}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"rotation"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":62},"end":{"line":11,"column":81}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"rotateNowIf"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":11,"column":84},"end":{"line":11,"column":106}}})) != null ? stack1 : "")
    + " |\n";
},"2":function(container,depth0,helpers,partials,data) {
    return "No layer chosen for this repository reads a secret yet. Add each secret here, with its rotation, as soon as one does.\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Secrets inventory: "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":21},"end":{"line":1,"column":43}}})) != null ? stack1 : "")
    + "\n\nEvery secret the system uses, where it lives, who may read it and when it is rotated. Secrets never enter\nversion control, container images or `NEXT_PUBLIC_` variables; services read them from files\n(`*_FILE` environment variables pointing at mounted secrets).\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"secrets"),"length"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.program(2, data, 0),"data":data,"loc":{"start":{"line":7,"column":0},"end":{"line":15,"column":7}}})) != null ? stack1 : "")
    + "\n## How to rotate\n\n1. Create the new value in the secret store; never paste it into chat or a ticket.\n2. Deploy it alongside the old one where the consumer supports two (signing keys, encryption keys).\n3. Switch consumers to the new value and watch the detection sources for errors.\n4. Revoke the old value and record the rotation date below.\n\n## Rotation log\n\n| Date                       | Secret | By                   | Reason                                              |\n| -------------------------- | ------ | -------------------- | --------------------------------------------------- |\n| "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"date"),"generatedOn"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":28,"column":2},"end":{"line":28,"column":28}}})) != null ? stack1 : "")
    + " | all    | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"tool"),"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":28,"column":40},"end":{"line":28,"column":60}}})) != null ? stack1 : "")
    + " | initial generation (no secret values are generated) |\n";
},"useData":true},
  },
  "docs/docs/security/THREAT_MODEL.md.hbs": {
    sha256: "b7771eeb3fd69a4db92344d1c107a9493817663a5e6c8d0de4245bb1ec4869eb",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "- **"
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":17,"column":4},"end":{"line":17,"column":20}}})) != null ? stack1 : "")
    + "** ("
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(depth0,"directory"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.program(2, data, 0),"data":data,"loc":{"start":{"line":17,"column":24},"end":{"line":17,"column":92}}})) != null ? stack1 : "")
    + "): "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"summary"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":17,"column":95},"end":{"line":17,"column":113}}})) != null ? stack1 : "")
    + "."
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(depth0,"generated"),{"name":"unless","hash":{},"fn":container.program(3, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":17,"column":114},"end":{"line":17,"column":267}}})) != null ? stack1 : "")
    + "\n";
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"mdText").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"directory"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":17,"column":41},"end":{"line":17,"column":61}}})) != null ? stack1 : "")
    + "/";
},"2":function(container,depth0,helpers,partials,data) {
    return "repository root";
},"3":function(container,depth0,helpers,partials,data) {
    return " Its files are not generated by this version yet; the threats and controls below still apply to whatever you build there.";
},"4":function(container,depth0,helpers,partials,data) {
    return "multi-tenant. The tenant of a request comes only from a verified token claim; every tenant table is isolated by row-level security.";
},"5":function(container,depth0,helpers,partials,data) {
    return "single tenant. Authorization is per user and scope; there is no tenant isolation layer.";
},"6":function(container,depth0,helpers,partials,data) {
    return "none chosen yet; there is no deploy job.";
},"7":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"mdText").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"answers"),"cloud"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":22,"column":101},"end":{"line":22,"column":125}}})) != null ? stack1 : "")
    + ", reached from CI through OIDC federation (no long-lived cloud keys).";
},"8":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":36,"column":2},"end":{"line":36,"column":17}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"why"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":36,"column":20},"end":{"line":36,"column":34}}})) != null ? stack1 : "")
    + " |\n";
},"9":function(container,depth0,helpers,partials,data) {
    return "| User of another tenant | trusted for their own tenant only | read or write rows of a different tenant |\n";
},"10":function(container,depth0,helpers,partials,data) {
    return "| CI workflow and its third-party actions | runs with the repository token | exfiltrate secrets, push or deploy tampered artifacts |\n";
},"11":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"id"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":60,"column":2},"end":{"line":60,"column":14}}})) != null ? stack1 : "")
    + "["
    + ((stack1 = lookupProperty(helpers,"mermaidText").call(alias1,lookupProperty(depth0,"label"),{"name":"mermaidText","hash":{},"data":data,"loc":{"start":{"line":60,"column":15},"end":{"line":60,"column":36}}})) != null ? stack1 : "")
    + "]\n";
},"12":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "  "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"from"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":63,"column":2},"end":{"line":63,"column":16}}})) != null ? stack1 : "")
    + " -->|"
    + ((stack1 = lookupProperty(helpers,"mermaidText").call(alias1,lookupProperty(depth0,"label"),{"name":"mermaidText","hash":{},"data":data,"loc":{"start":{"line":63,"column":21},"end":{"line":63,"column":42}}})) != null ? stack1 : "")
    + "| "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"to"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":63,"column":44},"end":{"line":63,"column":56}}})) != null ? stack1 : "")
    + "\n";
},"13":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"id"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":72,"column":2},"end":{"line":72,"column":14}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":72,"column":17},"end":{"line":72,"column":32}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"from"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":72,"column":35},"end":{"line":72,"column":50}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"to"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":72,"column":53},"end":{"line":72,"column":66}}})) != null ? stack1 : "")
    + " |\n";
},"14":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "### "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"id"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":81,"column":4},"end":{"line":81,"column":16}}})) != null ? stack1 : "")
    + ": "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":81,"column":18},"end":{"line":81,"column":33}}})) != null ? stack1 : "")
    + "\n\n| STRIDE | Threat | Controls |\n| ------ | ------ | -------- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"stride"),{"name":"each","hash":{},"fn":container.program(15, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":85,"column":0},"end":{"line":87,"column":9}}})) != null ? stack1 : "")
    + "\n";
},"15":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"categoryName"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":86,"column":2},"end":{"line":86,"column":25}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"threat"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":86,"column":28},"end":{"line":86,"column":45}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"controls"),{"name":"each","hash":{},"fn":container.program(16, data, 0),"inverse":container.program(18, data, 0),"data":data,"loc":{"start":{"line":86,"column":48},"end":{"line":86,"column":131}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(depth0,"notChosen"),{"name":"if","hash":{},"fn":container.program(19, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":86,"column":131},"end":{"line":86,"column":258}}})) != null ? stack1 : "")
    + " |\n";
},"16":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"ident").call(alias1,depth0,{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":86,"column":66},"end":{"line":86,"column":80}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(data,"last"),{"name":"unless","hash":{},"fn":container.program(17, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":86,"column":80},"end":{"line":86,"column":110}}})) != null ? stack1 : "");
},"17":function(container,depth0,helpers,partials,data) {
    return ", ";
},"18":function(container,depth0,helpers,partials,data) {
    return "none";
},"19":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "; not chosen: "
    + ((stack1 = lookupProperty(helpers,"each").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"notChosen"),{"name":"each","hash":{},"fn":container.program(20, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":86,"column":162},"end":{"line":86,"column":251}}})) != null ? stack1 : "");
},"20":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"id"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":86,"column":181},"end":{"line":86,"column":193}}})) != null ? stack1 : "")
    + " ("
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"layer"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":86,"column":195},"end":{"line":86,"column":211}}})) != null ? stack1 : "")
    + ")"
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(data,"last"),{"name":"unless","hash":{},"fn":container.program(17, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":86,"column":212},"end":{"line":86,"column":242}}})) != null ? stack1 : "");
},"21":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"id"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":97,"column":2},"end":{"line":97,"column":14}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":97,"column":17},"end":{"line":97,"column":33}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"layer"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":97,"column":36},"end":{"line":97,"column":52}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"severity"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":97,"column":55},"end":{"line":97,"column":74}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"seedSection"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":97,"column":77},"end":{"line":97,"column":98}}})) != null ? stack1 : "")
    + " |\n";
},"22":function(container,depth0,helpers,partials,data) {
    return " and tenant";
},"23":function(container,depth0,helpers,partials,data) {
    return "- The owner and migrator database roles can change or drop row-level security policies: a compromised migration job defeats tenant isolation, so migrations run only from reviewed changes in CI.\n";
},"24":function(container,depth0,helpers,partials,data) {
    return "- Browser extensions and a compromised user device can read whatever the user can see.\n";
},"25":function(container,depth0,helpers,partials,data) {
    return "- A maintainer with write access can still change workflows: required reviews on `.github/workflows` are the control.\n";
},"26":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "- "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"boundary"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":116,"column":2},"end":{"line":116,"column":20}}})) != null ? stack1 : "")
    + ", "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"categoryName"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":116,"column":22},"end":{"line":116,"column":45}}})) != null ? stack1 : "")
    + ": "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"threat"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":116,"column":47},"end":{"line":116,"column":64}}})) != null ? stack1 : "")
    + " No control of the chosen layers answers it; "
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"notChosen"),{"name":"each","hash":{},"fn":container.program(20, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":116,"column":109},"end":{"line":116,"column":198}}})) != null ? stack1 : "")
    + " would.\n";
},"27":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"id"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":131,"column":92},"end":{"line":131,"column":105}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(data,"last"),{"name":"unless","hash":{},"fn":container.program(17, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":131,"column":105},"end":{"line":131,"column":135}}})) != null ? stack1 : "");
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Threat model: "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":16},"end":{"line":1,"column":38}}})) != null ? stack1 : "")
    + "\n\nLast reviewed: "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"date"),"generatedOn"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":3,"column":15},"end":{"line":3,"column":41}}})) != null ? stack1 : "")
    + "\n\nNext review due: "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"date"),"nextReview"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":5,"column":17},"end":{"line":5,"column":42}}})) != null ? stack1 : "")
    + "\n\nThis threat model answers OWASP's four questions (what are we working on, what can go wrong, what are we\ngoing to do about it, did we do a good job) for the layers this repository was generated with. It was\ngenerated by "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"tool"),"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":9,"column":13},"end":{"line":9,"column":33}}})) != null ? stack1 : "")
    + " "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"tool"),"version"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":9,"column":34},"end":{"line":9,"column":57}}})) != null ? stack1 : "")
    + " from the answers in `.secure-stack.yaml` and the\ntool's control catalog. Keep it true: when the system changes, update it and add a line to the review log.\n\n## Scope & assumptions\n\nIn scope, as generated:\n\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"layers"),{"name":"each","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":16,"column":0},"end":{"line":18,"column":9}}})) != null ? stack1 : "")
    + "\n- Tenancy: "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(4, data, 0),"inverse":container.program(5, data, 0),"data":data,"loc":{"start":{"line":20,"column":11},"end":{"line":20,"column":271}}})) != null ? stack1 : "")
    + "\n- Identity provider: "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcIssuer"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":21,"column":21},"end":{"line":21,"column":50}}})) != null ? stack1 : "")
    + " issues access tokens for audience "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcAudience"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":21,"column":85},"end":{"line":21,"column":116}}})) != null ? stack1 : "")
    + ".\n- Deployment cloud: "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(helpers,"eq").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"cloud"),"none",{"name":"eq","hash":{},"data":data,"loc":{"start":{"line":22,"column":26},"end":{"line":22,"column":51}}}),{"name":"if","hash":{},"fn":container.program(6, data, 0),"inverse":container.program(7, data, 0),"data":data,"loc":{"start":{"line":22,"column":20},"end":{"line":22,"column":201}}})) != null ? stack1 : "")
    + "\n\nAssumptions:\n\n- TLS terminates at an edge proxy or load balancer that you operate; plain HTTP never leaves the host.\n- The identity provider authenticates users correctly and keeps its signing keys secret.\n- Host operating systems, the container runtime and the database server are patched within the SLAs of `SECURITY.md`.\n- People with production access are few, named in the incident runbook, and use MFA.\n\n## Assets\n\n| Asset | Why it matters |\n| ----- | -------------- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"catalog"),"assets"),{"name":"each","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":35,"column":0},"end":{"line":37,"column":9}}})) != null ? stack1 : "")
    + "\n## Actors\n\n| Actor                   | Trust                           | What they may try                                              |\n| ----------------------- | ------------------------------- | -------------------------------------------------------------- |\n| Anonymous internet user | untrusted                       | probe public endpoints, replay or forge tokens, flood requests |\n| Authenticated user      | trusted for their own data only | reach another user's objects (IDOR), escalate scope            |\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(9, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":45,"column":0},"end":{"line":47,"column":7}}})) != null ? stack1 : "")
    + "| Operator / on-call engineer | privileged, audited | mistakes under pressure; a stolen laptop or session |\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"ci"),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":49,"column":0},"end":{"line":51,"column":7}}})) != null ? stack1 : "")
    + "| Identity provider | trusted to authenticate | outage, key rotation, misconfiguration |\n| Dependency maintainer | semi-trusted | ship a malicious or vulnerable release |\n\n## Data-flow diagram\n\n```mermaid\nflowchart LR\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"diagram"),"nodes"),{"name":"each","hash":{},"fn":container.program(11, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":59,"column":0},"end":{"line":61,"column":9}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"diagram"),"edges"),{"name":"each","hash":{},"fn":container.program(12, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":62,"column":0},"end":{"line":64,"column":9}}})) != null ? stack1 : "")
    + "```\n\n## Trust boundaries\n\n| ID  | Boundary | From | To  |\n| --- | -------- | ---- | --- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"catalog"),"boundaries"),{"name":"each","hash":{},"fn":container.program(13, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":71,"column":0},"end":{"line":73,"column":9}}})) != null ? stack1 : "")
    + "\n## STRIDE per boundary\n\nThe Controls column lists the controls of the chosen layers that answer each threat. Controls of layers that\nwere not chosen for this repository follow \"not chosen\", with their layer: they do not protect it.\n\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"strideBoundaries"),{"name":"each","hash":{},"fn":container.program(14, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":80,"column":0},"end":{"line":89,"column":9}}})) != null ? stack1 : "")
    + "## Controls map\n\nEvery control of the chosen layers, from the catalog. Severity is the impact if the control is missing.\n\n| Control | What it does | Layer | Severity | Seed step |\n| ------- | ------------ | ----- | -------- | --------- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"catalog"),"controls"),{"name":"each","hash":{},"fn":container.program(21, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":96,"column":0},"end":{"line":98,"column":9}}})) != null ? stack1 : "")
    + "\n## Residual risks\n\nThese remain after the controls above; accept them explicitly or add controls.\n\n- A compromised identity provider can mint valid tokens for any user"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"multiTenant"),{"name":"if","hash":{},"fn":container.program(22, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":104,"column":68},"end":{"line":104,"column":113}}})) != null ? stack1 : "")
    + ": monitor it and keep its admin access separate.\n- A valid stolen access token works until it expires: keep lifetimes short (5–15 minutes) and revoke sessions at the IdP.\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"db"),{"name":"if","hash":{},"fn":container.program(23, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":106,"column":0},"end":{"line":108,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"web"),{"name":"if","hash":{},"fn":container.program(24, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":109,"column":0},"end":{"line":111,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"ci"),{"name":"if","hash":{},"fn":container.program(25, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":112,"column":0},"end":{"line":114,"column":7}}})) != null ? stack1 : "")
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"uncoveredThreats"),{"name":"each","hash":{},"fn":container.program(26, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":115,"column":0},"end":{"line":117,"column":9}}})) != null ? stack1 : "")
    + "- Zero-day vulnerabilities in dependencies between release and patch; the SLAs in `SECURITY.md` bound the window.\n\n## Out of scope\n\n- Physical security and the security of the hosting provider's own platform.\n- The internal security of the identity provider (only how this system trusts it is in scope).\n- Denial of service beyond what rate limits, body limits and timeouts absorb; volumetric attacks belong to the edge provider.\n- End-user devices and browsers.\n\n## Review log\n\n| Date                       | Reviewer             | What changed                                                                               |\n| -------------------------- | -------------------- | ------------------------------------------------------------------------------------------ |\n| "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(lookupProperty(depth0,"date"),"generatedOn"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":131,"column":2},"end":{"line":131,"column":28}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"tool"),"name"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":131,"column":31},"end":{"line":131,"column":51}}})) != null ? stack1 : "")
    + " | Generated for layers: "
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"layers"),{"name":"each","hash":{},"fn":container.program(27, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":131,"column":76},"end":{"line":131,"column":144}}})) != null ? stack1 : "")
    + " |\n";
},"useData":true},
  },
  "docs/docs/security/release-checklist.md.hbs": {
    sha256: "6e02d65e5b373a5042625ead1e850fe33fd2a9bfc8bb2fbd88bd08ed39456dde",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"if").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"release"),"deploys"),{"name":"if","hash":{},"fn":container.program(1, data, 0),"inverse":container.program(3, data, 0),"data":data,"loc":{"start":{"line":12,"column":0},"end":{"line":30,"column":7}}})) != null ? stack1 : "");
},"1":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "The `deploy` job of `.github/workflows/ci.yml` runs only on `main` and only after these jobs passed on the same\ncommit (its `needs:`), then verifies each image's provenance attestation before its OIDC login:\n\n"
    + ((stack1 = lookupProperty(helpers,"each").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"release"),"deployNeeds"),{"name":"each","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":16,"column":0},"end":{"line":18,"column":9}}})) != null ? stack1 : "")
    + "\nThe publish jobs themselves wait on `lint` and `secret-scan`. Rolling back goes through\n`.github/workflows/rollback.yml`: the same attestation check, OIDC login and `production` environment, for a\ndigest of an earlier run.\n";
},"2":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "- `"
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),depth0,{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":17,"column":3},"end":{"line":17,"column":17}}})) != null ? stack1 : "")
    + "`\n";
},"3":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "No deploy job is generated here (no cloud was chosen, or no image is built). Before deploying by other means,\nrequire these jobs to have passed on the commit you release:\n\n"
    + ((stack1 = lookupProperty(helpers,"each").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"release"),"deployNeeds"),{"name":"each","hash":{},"fn":container.program(2, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":27,"column":0},"end":{"line":29,"column":9}}})) != null ? stack1 : "");
},"4":function(container,depth0,helpers,partials,data) {
    return "No CI workflows are generated here (the ci layer was not chosen): every control below is verified by hand.\n";
},"5":function(container,depth0,helpers,partials,data) {
    return "- [ ] `promtool test rules api/ops/prometheus/alerts.test.yml` passes, and the rules are loaded where the api is\n      scraped (OPS-05).\n";
},"6":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| "
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"id"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":51,"column":2},"end":{"line":51,"column":14}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":51,"column":17},"end":{"line":51,"column":33}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(depth0,"gates"),{"name":"each","hash":{},"fn":container.program(7, data, 0),"inverse":container.program(9, data, 0),"data":data,"loc":{"start":{"line":51,"column":36},"end":{"line":51,"column":117}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(depth0,"layerTests"),{"name":"if","hash":{},"fn":container.program(10, data, 0),"inverse":container.program(11, data, 0),"data":data,"loc":{"start":{"line":51,"column":120},"end":{"line":51,"column":180}}})) != null ? stack1 : "")
    + " | "
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(depth0,"manual"),{"name":"if","hash":{},"fn":container.program(12, data, 0),"inverse":container.program(11, data, 0),"data":data,"loc":{"start":{"line":51,"column":183},"end":{"line":51,"column":230}}})) != null ? stack1 : "")
    + " |\n";
},"7":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "`"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"job"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":51,"column":52},"end":{"line":51,"column":65}}})) != null ? stack1 : "")
    + "`"
    + ((stack1 = lookupProperty(helpers,"unless").call(alias1,lookupProperty(data,"last"),{"name":"unless","hash":{},"fn":container.program(8, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":51,"column":66},"end":{"line":51,"column":96}}})) != null ? stack1 : "");
},"8":function(container,depth0,helpers,partials,data) {
    return ", ";
},"9":function(container,depth0,helpers,partials,data) {
    return "none";
},"10":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "`"
    + ((stack1 = lookupProperty(helpers,"ident").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"layerTests"),"job"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":51,"column":139},"end":{"line":51,"column":163}}})) != null ? stack1 : "")
    + "`";
},"11":function(container,depth0,helpers,partials,data) {
    return "—";
},"12":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return ((stack1 = lookupProperty(helpers,"mdText").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(depth0,"manual"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":51,"column":197},"end":{"line":51,"column":214}}})) != null ? stack1 : "");
},"13":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "| `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"job"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":59,"column":3},"end":{"line":59,"column":16}}})) != null ? stack1 : "")
    + "` | `"
    + ((stack1 = lookupProperty(helpers,"ident").call(alias1,lookupProperty(depth0,"workflow"),{"name":"ident","hash":{},"data":data,"loc":{"start":{"line":59,"column":21},"end":{"line":59,"column":39}}})) != null ? stack1 : "")
    + "` | "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(depth0,"what"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":59,"column":43},"end":{"line":59,"column":58}}})) != null ? stack1 : "")
    + " |\n";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Release checklist: "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":21},"end":{"line":1,"column":43}}})) != null ? stack1 : "")
    + "\n\nGenerated from the control catalog of create-secure-stack for the layers of this repository. Each control\nlists the CI jobs that fail the build when it is broken (its gates: the catalog audit `secure-stack-check`, a\nscanner that cites the control, or a step written for it), and the job that runs the test suite of the layer\nimplementing it (which proves what its tests name). A control without a gate is verified by hand before each\nrelease, as the last column says.\n\n## The release gate\n\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"ci"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.program(4, data, 0),"data":data,"loc":{"start":{"line":11,"column":0},"end":{"line":33,"column":7}}})) != null ? stack1 : "")
    + "\n## Before each release, by hand\n\n- [ ] Every gate below passed on the release commit, and no finding was suppressed without a reason.\n"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"api"),{"name":"if","hash":{},"fn":container.program(5, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":38,"column":0},"end":{"line":41,"column":7}}})) != null ? stack1 : "")
    + "- [ ] Each drill of `docs/security/INCIDENT_RUNBOOK.md` ran within the last six months (see its drill log).\n- [ ] `docs/security/SECRETS.md`: no secret is past its rotation date.\n- [ ] `security.txt` expires more than a month from now.\n\n## Controls and their gates\n\n| Control | Title | Gates | Layer tests | Verify by hand |\n| ------- | ----- | ----- | ----------- | -------------- |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"release"),"rows"),{"name":"each","hash":{},"fn":container.program(6, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":50,"column":0},"end":{"line":52,"column":9}}})) != null ? stack1 : "")
    + "\n## The gates\n\n| Job | Workflow | What it runs |\n| --- | -------- | ------------ |\n"
    + ((stack1 = lookupProperty(helpers,"each").call(alias1,lookupProperty(lookupProperty(depth0,"release"),"gates"),{"name":"each","hash":{},"fn":container.program(13, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":58,"column":0},"end":{"line":60,"column":9}}})) != null ? stack1 : "");
},"useData":true},
  },
  "docs/dot_well-known/security.txt.hbs": {
    sha256: "717d07ddcd899fc87e0e6431c94e67751a80890237924b721e026eb93793daa6",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "Contact: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"securityContact"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":1,"column":9},"end":{"line":1,"column":46}}})) != null ? stack1 : "")
    + "\nExpires: "
    + ((stack1 = lookupProperty(helpers,"lineValue").call(alias1,lookupProperty(lookupProperty(depth0,"date"),"securityTxtExpires"),{"name":"lineValue","hash":{},"data":data,"loc":{"start":{"line":2,"column":9},"end":{"line":2,"column":46}}})) != null ? stack1 : "")
    + "\nPreferred-Languages: en\n";
},"useData":true},
  },
  "web/web/README.md.hbs": {
    sha256: "5bd83471aba10a645267fa69c74261aa90a81e662dfb009583d55f42318cd213",
    spec: {"0":function(container,depth0,helpers,partials,data) {
    return " (the \"Web\nsession-key rotation\" checklist of [the incident runbook](../docs/security/INCIDENT_RUNBOOK.md))";
},"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":1,"column":2},"end":{"line":1,"column":24}}})) != null ? stack1 : "")
    + " web app\n\nA Next.js (App Router) app whose privileged logic lives only on the server. The browser gets HTML and an\nencrypted, HttpOnly session cookie; it never holds the API's access token (backend for frontend).\n\n## Run it\n\nNode.js 20.12 or later. `package-lock.json` is committed and `npm ci` installs exactly it, as the container build\nand CI do (after changing dependencies, run `npm install` and commit both files). From this folder:\n\n```sh\nnpm ci                 # installs exactly package-lock.json\nnpm test               # unit tests: CSP, Origin check, cookie sealing, settings, module boundaries\ncp .env.example .env   # edit it: see \"Configure\"\nset -a && . ./.env && set +a\nnpm run build          # next build: type check, then the standalone server in .next/standalone\nnpm start              # next start on 127.0.0.1:3000\n```\n\nIn a container, run the standalone output instead: copy `.next/static` to `.next/standalone/.next/static`\nand `public` to `.next/standalone/public`, then `node server.js` from `.next/standalone` (it listens on\n`PORT`, 3000 by default, and on `HOSTNAME`). `GET /api/health` answers `{\"status\":\"ok\"}` without a session.\n\n## Configure\n\nEvery setting is server-only (nothing is `NEXT_PUBLIC_`, which Next.js would inline into the browser bundle;\nthe server refuses to start if a `NEXT_PUBLIC_` name looks like a secret). A missing or unsafe value stops\nstart-up with one line naming the variable. Secrets may be given as files with `_FILE`.\n\n| Variable                                            | What it is                                                                                                                                                                                                                |\n| --------------------------------------------------- | ------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |\n| `APP_ORIGIN`                                        | The public origin, e.g. `https://app.example.com` (https; http only for localhost). The OIDC redirect URI is `APP_ORIGIN/auth/callback`. Also read by `next build` for `serverActions.allowedOrigins`.                    |\n| `API_BASE_URL`                                      | The API, reached server to server, e.g. `http://api:8000`.                                                                                                                                                                |\n| `OIDC_ISSUER`                                       | The identity provider, the same issuer the API trusts. This project was generated for "
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcIssuer"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":34,"column":142},"end":{"line":34,"column":171}}})) != null ? stack1 : "")
    + ".                                                                                                      |\n| `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET` (or `_FILE`) | This app's confidential client at the IdP.                                                                                                                                                                                |\n| `OIDC_SCOPES`                                       | Default `openid profile projects:read projects:write`. Ask the IdP to put the API's audience ("
    + ((stack1 = lookupProperty(helpers,"mdText").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcAudience"),{"name":"mdText","hash":{},"data":data,"loc":{"start":{"line":36,"column":150},"end":{"line":36,"column":181}}})) != null ? stack1 : "")
    + ") in the access token.                                                                       |\n| `SESSION_SECRET` (or `_FILE`)                       | At least 32 random characters (`openssl rand -base64 48`); encrypts the session cookie. Rotating it signs everyone out.                                                                                                   |\n| `SESSION_MAX_AGE_SECONDS`                           | Default 28800, at most 43200; a session never outlives its access token.                                                                                                                                                  |\n| `NEXT_SERVER_ACTIONS_ENCRYPTION_KEY` (or `_FILE`)   | A base64 AES key (`openssl rand -base64 32`) given to `next build`: it is baked into the build, so every instance of one build decrypts the same Server Action ids. Pass it as a build secret, never as a build argument. |\n\nAt the IdP, register the client with the redirect URI `APP_ORIGIN/auth/callback`, the authorization code\ngrant, PKCE (S256) required, and client authentication `client_secret_post` or `client_secret_basic`.\n\n## Rotate the session key\n\nThe app reads `SESSION_SECRET` (or the file named by `SESSION_SECRET_FILE`) once, at start-up, and keeps no\nprevious key: to rotate, replace the secret file in one rename (or the variable) and restart or redeploy.\nEvery session sealed with the old key ends: pages send the user to the login, route handlers answer 401, and\nboth the 401 and `/auth/login` delete the stale cookie. Rehearse it with this drill"
    + ((stack1 = lookupProperty(helpers,"if").call(alias1,lookupProperty(lookupProperty(depth0,"has"),"docs"),{"name":"if","hash":{},"fn":container.program(0, data, 0),"inverse":container.noop,"data":data,"loc":{"start":{"line":49,"column":83},"end":{"line":50,"column":103}}})) != null ? stack1 : "")
    + ":\n\n```sh\nnpm run build               # as in \"Run it\"\nnpm run drill:session-key   # scripts/drill-session-key-rotation.mjs\n```\n\nOn 127.0.0.1 it starts this build with `next start`, its key in a temporary `SESSION_SECRET_FILE`, a stand-in\nidentity provider and API; signs in through the real login; rotates the key and restarts; then checks that the\nold cookie gets a redirect to the login on `/projects` and a 401 that deletes it on `/api/projects`, that a new\nlogin works with the new key, and that no request got a 5xx. It exits 1 naming the first step that failed.\n\n## How it is built\n\n- `lib/server/` is the data access layer: every module starts with `import 'server-only'`, so a Client\n  Component that imports one fails the build. Only it reads secret settings (`lib/server/env.ts`), holds the\n  session (`session.ts`), calls the API with the user's token (`api.ts`, `cache: 'no-store'`), authorizes\n  (`auth.ts`) and returns minimal DTOs (`projects.ts`). Tokens and raw API records are tainted\n  (`experimental.taint`): React refuses to send them to the browser.\n- `proxy.ts` (Next.js 16's name for middleware) makes a fresh nonce for every request and sets the\n  Content-Security-Policy on the request (Next.js puts the nonce on its scripts) and on the response:\n  `script-src 'self' 'nonce-…' 'strict-dynamic'`, `object-src 'none'`, `base-uri 'self'`, `form-action 'self'`,\n  `frame-ancestors 'none'`, reports to `/api/csp-report`; `'unsafe-eval'` only under `next dev`. Pages are\n  rendered per request (`connection()`), so each one carries its nonce. The proxy only sends signed-out\n  users to the login: pages, Server Actions and route handlers check the session again themselves.\n- `next.config.ts`: no `X-Powered-By`, HSTS, `nosniff`, `Referrer-Policy`, `Permissions-Policy`,\n  `Cross-Origin-Opener-Policy` and `X-Frame-Options` on every path, `serverActions.allowedOrigins` (the host of\n  `APP_ORIGIN`, never a wildcard) and a 100 kB `bodySizeLimit`, `output: 'standalone'`.\n- Login (`app/auth/`): OpenID Connect authorization code flow with PKCE, state and nonce (openid-client).\n  The session is a `__Host-session` cookie: encrypted (JWE, A256GCM, jose), HttpOnly, Secure, SameSite=Lax,\n  Path=/, no Domain, bounded Max-Age. Sign-out is a same-origin POST that clears it.\n- The example: `app/projects/page.tsx` lists the user's projects through the DAL; the Server Action in\n  `app/projects/actions.ts` authenticates, authorizes, validates with zod, then calls the API;\n  `app/api/projects/route.ts` does the same for JSON clients and refuses a mutation whose `Origin` is not\n  `APP_ORIGIN` (route handlers have no built-in CSRF check).\n\nWhen you add a feature: put data access in `lib/server/` (starting with `import 'server-only'`), call\n`verifySession()` and `authorize()` first in every Server Action and route handler, validate input with a\nschema, return DTOs, and check `Origin` in every mutating route handler.\n";
},"useData":true},
  },
  "web/web/dot_env.example.hbs": {
    sha256: "f0f33964fe94300ac6bd9835dd017782e890f051d64e411d5d110fe39e393b1f",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "# Settings of the web app (see README.md). Server-only: none of them is NEXT_PUBLIC_, so none reaches the browser.\n# Each secret X may instead be read from the file named by X_FILE (Docker/Kubernetes secrets).\n# A missing or unsafe value stops start-up with a message naming the variable.\n\n# The public origin of this app (scheme://host[:port]); OIDC redirects and the Origin check use it.\nAPP_ORIGIN='http://localhost:3000'\n# The API this app calls with the signed-in user's access token (server to server; never the browser).\nAPI_BASE_URL='http://127.0.0.1:8000'\n# The identity provider: the same issuer the API trusts, and this app's confidential client.\nOIDC_ISSUER="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"answers"),"oidcIssuer"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":10,"column":12},"end":{"line":10,"column":45}}})) != null ? stack1 : "")
    + "\nOIDC_CLIENT_ID="
    + ((stack1 = lookupProperty(helpers,"shellQuote").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"npm"),{"name":"shellQuote","hash":{},"data":data,"loc":{"start":{"line":11,"column":15},"end":{"line":11,"column":39}}})) != null ? stack1 : "")
    + "\nOIDC_CLIENT_SECRET_FILE='./secrets/oidc_client_secret'\n# Scopes to request: the API's audience is configured at the IdP; projects:* are the API's scopes.\nOIDC_SCOPES='openid profile projects:read projects:write'\n# Encrypts the session cookie: at least 32 random characters (openssl rand -base64 48).\nSESSION_SECRET_FILE='./secrets/session_secret'\n# Session lifetime in seconds (at most 43200); a session never outlives its access token.\nSESSION_MAX_AGE_SECONDS='28800'\n# Encrypts Server Action ids: the same base64 AES key on every instance (openssl rand -base64 32).\nNEXT_SERVER_ACTIONS_ENCRYPTION_KEY_FILE='./secrets/server_actions_key'\n";
},"useData":true},
  },
  "web/web/lib/site.ts.hbs": {
    sha256: "607951e46ec3d96012ff26cf9e2c21824d86552f3283006f184ad4e955b38909",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "/** The app's name, as shown in the page title and header. */\nexport const SITE_TITLE = "
    + ((stack1 = lookupProperty(helpers,"jsStr").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"names"),"title"),{"name":"jsStr","hash":{},"data":data,"loc":{"start":{"line":2,"column":26},"end":{"line":2,"column":47}}})) != null ? stack1 : "")
    + ";\n";
},"useData":true},
  },
  "web/web/package-lock.json.hbs": {
    sha256: "ab7a1887896d6839be1e186712c6a358ad4c01c523c96c445d9c339e2d10f45c",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, alias1=depth0 != null ? depth0 : (container.nullContext || {}), lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "{\n  \"name\": "
    + ((stack1 = lookupProperty(helpers,"json").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"npm"),{"name":"json","hash":{},"data":data,"loc":{"start":{"line":2,"column":10},"end":{"line":2,"column":28}}})) != null ? stack1 : "")
    + ",\n  \"version\": \"0.1.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"name\": "
    + ((stack1 = lookupProperty(helpers,"json").call(alias1,lookupProperty(lookupProperty(depth0,"names"),"npm"),{"name":"json","hash":{},"data":data,"loc":{"start":{"line":8,"column":14},"end":{"line":8,"column":32}}})) != null ? stack1 : "")
    + ",\n      \"version\": \"0.1.0\",\n      \"dependencies\": {\n        \"jose\": \"^6.2.18\",\n        \"next\": \"^16.4.6\",\n        \"openid-client\": \"^6.9.0\",\n        \"react\": \"^19.3.1\",\n        \"react-dom\": \"^19.3.1\",\n        \"server-only\": \"^0.0.1\",\n        \"zod\": \"^4.6.7\"\n      },\n      \"devDependencies\": {\n        \"@types/node\": \"^22.20.5\",\n        \"@types/react\": \"^19.3.3\",\n        \"@types/react-dom\": \"^19.3.0\",\n        \"tsx\": \"^4.23.15\",\n        \"typescript\": \"~5.9.3\"\n      },\n      \"engines\": {\n        \"node\": \">=20.12\"\n      }\n    },\n    \"node_modules/@emnapi/runtime\": {\n      \"version\": \"1.11.3\",\n      \"integrity\": \"sha512-Xz4Tpyki7XyrpbUK1jR1AhdAdaXyhhY4lZ3neLodmhpuWfy2PAQN5B46sAiU4liOXGLkHypn/qU+jvfWSCYYLA==\",\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"dependencies\": {\n        \"tslib\": \"^2.4.0\"\n      }\n    },\n    \"node_modules/@esbuild/aix-ppc64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-XExcO+dvLKvVtNTibSTBej1NCAbaGhWn9Ww1ZPx80qsahhPFe/8jgWP0IchNe0F3HwkU7n8ejhH8bjonqht8mQ==\",\n      \"cpu\": [\n        \"ppc64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"aix\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/android-arm\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-kXXoiPVVGQcnIYGOeaovwOURpniDBpSq4A03qkQ+BMQqtGG6HYap3xne9C1O1yo4TR3qxlCX5IqqmX6fFo2Lqg==\",\n      \"cpu\": [\n        \"arm\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"android\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/android-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-5YfKeeI8qWfBZIX+u2xZC3Zlb3Os/gLS2sbEKM+I4ZOcsWmHS2WLysCcQZDAFRslDUU5Oiq44gf6PYN1vGwG5A==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"android\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/android-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-O387ite7SzUyCcy3JQX4P4bLtEA7bLLkx+esve5JHnyYfNTxcVpXZo9jhdB0lTKN44gztELTdU7nS8Nr16Fs1Q==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"android\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/darwin-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-n4KqkOQrraxHJcgjM1RvwbigfQKIKJVpM7xp+KsxiyUSrRdIXnt73VhrPAx0fV44hgfmIVKjxMN9J1t5jySVkw==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/darwin-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-uq6suIWYP37qzGddBKPw5QEQPi6HiLGsO7UmkpfyaYNQ3D+rN6w6WfwH+nuqcGXWvawGwxOEroO4YGnFh95azw==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/freebsd-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-n+I0BTSRIoy+d6RPKnEVwql5UwBJolytvY4mAOIEJorKlqgPII8ix6slVVrfZ5Tnj7glIZvloylbB/EJPMWEXw==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"freebsd\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/freebsd-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-78XJTJkvPs0kz2w61301PJjXl4g7q3JqiYMZ/M/yVI73EHBrCRTgkhu9oqG7vPqq+a/yadEW8aD+agKlk5xrmg==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"freebsd\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-arm\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-XlDnu2q5yoqems+xay6wSAcg9DDD7K9RLKZEBOMZm3ckNpJBvOX20tSfby8KfrrhINDyv9V2YVZKY/SpoGJI8w==\",\n      \"cpu\": [\n        \"arm\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-pW4AC0P3it8c7do9MVM4p51FzHzdM/TZrerurgRcHJ2WTa1VQ1CIq18xncfpBJw4ojkiZZrKW2yIBWBP92j6Ug==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-ia32\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-CYbnj78HsIeA+DhgUKgFCfvNsTHFhMMrinUrMZpDXJXKN8T3XViTZ/+wtHeVxEWY8ewSzTFN+nRmSwO2tZaLUQ==\",\n      \"cpu\": [\n        \"ia32\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-loong64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-buwkd8nsph4R+ajRvw0qM5Hja/TXQow3ptzWO2EbG/cqcIkHloRrdlBtQlshyYGTNFvfkfJ5tpPLVkY4DtsPfQ==\",\n      \"cpu\": [\n        \"loong64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-mips64el\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-ZVykbDyk7519VwiNb9Lcj9m8XM6v5V9uKPvrEMkkEedVewf+0itkhahp4HDpgERXhwLRpWFypsGbG/J8s0QjJA==\",\n      \"cpu\": [\n        \"mips64el\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-ppc64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-CAXl+Dtd9UUuJd8pKKdwh6MLm3MUMiqMPmhZ3tTSXPqfyQ3vDl6R5hZdZ/kYojK4ofXtdfSv1tFq8XzWx3heNQ==\",\n      \"cpu\": [\n        \"ppc64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-riscv64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-GeXCej4IQtU1B+QlDV8W/RRvbzI3O/Stss+/bCXv4lZls5WGRtu2a+3JkA3i4qIUlMXpcHebWpF8AkJhATowuA==\",\n      \"cpu\": [\n        \"riscv64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-s390x\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-3H1weTYZPxt/WOhByszQZybS9w5lKzUn1FDMsgEChbHWQwHYQQRfBxgCcZvPhjHfKyJjIievvMmEUawJrdY9Dg==\",\n      \"cpu\": [\n        \"s390x\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/linux-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-4xTZr1FUmSoQW4XIWmit3tzQrUTZM+N3P0XV8xROKYF50XfI7xeO90+1bZvNwxIufQ9hDQVRJH5YhgPVF8A/HQ==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/netbsd-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-sSATRjPeDBg3pdgHoQfoYBob11Kk1FGa9lui5RIHZCoCkJa9QKlvl3/vKz2usCmYYjs7ymJR/2Nnsqe+Hjt5nw==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"netbsd\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/netbsd-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-lqnzCV+mM0gIADaKihiCg6ifgfU2L3h5E33rNQBN1Y4MaVGnzryzmvvf7UHxprpQdE8hpqLolJ9Rl+SkIRDpyw==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"netbsd\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/openbsd-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-AL2qJILH7lNjrDmCQDvdxMfAUIv8KMNZOvrwAQ8i8//ntL9FflhOyMJ8OZSMBb8/AWXe3/5v5S20y3zCoZWKoQ==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"openbsd\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/openbsd-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-QtiuPytchRyC4rwUKhexJdQKvDuZ6hWloi3igqPQNUJCS1/v9EiO3UTOXR6A3FoMo4fnAKbWJdqaIwhOzh8qEw==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"openbsd\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/openharmony-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-WkhYDmpTjLvGlScA1rwjRUmhl4k8oXR3cIbtqWmELgU/dFeHHlEllxDvdWcNJV9rbzCexB5vz8gtNewWLgCT7Q==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"openharmony\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/sunos-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-GPMSkTOtMnv2U2F8gxe4Io6qmVs+YKyp832Etqqxr0hFngmXQ3rzwytelm3GIn7T4VviRUlf3sOgBOiTdvaf7g==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"sunos\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/win32-arm64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-PIhhEkE9uPBleRBrQEJpUn7MBnibZzbGzYWPmY3x+YoVg/95zbjB4CxPPOQ8l5tYYM4mMaCthF8/1DIfBQQyWQ==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/win32-ia32\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-YmJbfTlvU7Sdn9BB+4PRES4oB6pxgS37MAONj+hBr/cpXS1aBPKXxNnDbu+QCWPj0o9dgyxeq79g6c5P8KeuYA==\",\n      \"cpu\": [\n        \"ia32\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@esbuild/win32-x64\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-5ebpxr3nWMzrL/rnUI755Jkuee0bHL/Gq0WTF9lvcpv73wAp5eu8MfBUgWK9bhWvZjj7yX8etf/8tI8Ney695g==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@img/colour\": {\n      \"version\": \"1.1.0\",\n      \"integrity\": \"sha512-Td76q7j57o/tLVdgS746cYARfSyxk8iEfRxewL9h4OMzYhbW4TAcppl0mT4eyqXddh6L/jwoM75mo7ixa/pCeQ==\",\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"engines\": {\n        \"node\": \">=18\"\n      }\n    },\n    \"node_modules/@img/sharp-darwin-arm64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-QRUlFQ0WxvdWyqqG/WtI3iupfD5rBzmCHXSdPsY91sAtVtTo7Q4cb6zOccZ3gqEqkr0f1As1ehLqmEpDsRf+lg==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-darwin-arm64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-darwin-x64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-+BR255RhDlpygUpOc/Jdt1nT6DQ3XG/ERo5wbcdOf5Q320dKtPCKPLR1LJs9VGXRaMa8l1uUa0tkCNOXiAxZUw==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-darwin-x64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-freebsd-wasm32\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-Y/z91nEZ4uIBX5X3nfTovjU9lHNKFYbL2lpHCLVNmXQK03VIZvXBBt0KxbPGp2SdGSF+2mQU4e+hQaWOt86iAw==\",\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"freebsd\"\n      ],\n      \"dependencies\": {\n        \"@img/sharp-wasm32\": \"0.35.5\"\n      },\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-darwin-arm64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-5R89nBYiRdUlSWJxPhO+GVtaXzXSxKnRu/xqMn3KTA3L9EB9Oy/P+Nn2f2vlhPuUdy/Zusb2DarbyTpGCfEDuw==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-darwin-x64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-iR2OKH80yi0U+dUplyh3/xdpFvps6YkCwsXenIJxqxR1v9o+xtKTGbS9H7cps+2Vxjc8B1j96p75NmTGjIhtpQ==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linux-arm\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-LmRtTsOHuvM2+wlO2Db37dx5MiZhB0FvSunciw48YjdOkZz9KAiRbm8ujeMOA1INqmei5NapFxYEK1D1ZSidmw==\",\n      \"cpu\": [\n        \"arm\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linux-arm64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-Y3dgX/6lE2QhQb+Gxy0WZxfg9MEm/JBjamZpS2IklP7xIQoKN4hzAm7KcMVGtaVDt3neE9OKBC7vAfonA/Lr1A==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linux-ppc64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-Le6boB8Tai0Nis+gIxIpKx68UDVVIqdR8Tin5Yf1z2LJJQLDJvCDRqRu+jC2qCoD+eIomonmOwB4smBRxfVpYQ==\",\n      \"cpu\": [\n        \"ppc64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linux-riscv64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-aHkkIEHPRdQEegJN20MLmGtxYD9R2wQr3Cwpddnu5+YKMt6Uzax7S9h5gpZTo8wyrGuZSlfQ63OevL5mTyOC7Q==\",\n      \"cpu\": [\n        \"riscv64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linux-s390x\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-ra/mB6MikESDUO7Yg+Mi95bFBb9GsObURuhnOv3OqknjGe9sZrG8tCe9q0xSIGrtLgvgw0gKnFWcK4blSgQOuQ==\",\n      \"cpu\": [\n        \"s390x\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linux-x64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-GJ//SSXbnwSDes02umB3nDJLFcQzw8a18V8fyhqr6tV515tOEMdImjjxj1AoafMRz56F3PHgftnj1QEKSU1zkw==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linuxmusl-arm64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-hvulFwtjUcagsis6BBxHwGFwWoNZjgYmULGVrZcyfNbjA8hKILbRxGg15/7w5HDyXHXUos/j6baAWqnCyQ2DWA==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"libc\": [\n        \"musl\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-libvips-linuxmusl-x64\": {\n      \"version\": \"1.3.4\",\n      \"integrity\": \"sha512-6zXKeE/p39I1AmA3cJG35eyBGNqNddLnUXjhwBnsGjFPWqf5VKkDBEqaEkPDoTEtkxwi2vv8Tcr2mDyP4So7Fg==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"libc\": [\n        \"musl\"\n      ],\n      \"license\": \"LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-linux-arm\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-LEaXK2WdXVK5ykcw0buWyPMsmLLL2vpHLD6yrNSW+JGEL3BZPA4tpKN6iaMc4AxTTAoaX/sU1rOL51lcIz48ZQ==\",\n      \"cpu\": [\n        \"arm\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linux-arm\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-linux-arm64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-LYVx5JTsOM2CBzmxreh+nl64/3H6Xb09iSLknqH47z2T2DFFxDeFLP5y4dJwe6H7uGQlHPyEEtIqyo3DYsRwdQ==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linux-arm64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-linux-ppc64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-QVxAAq8evVRI9ia2vqgwrmWucn5Dfv+JdWzj75pD8omHLPSP7f8p20O8jxzjCcuCEQEOtYOZUmX1hkiZ0kdevA==\",\n      \"cpu\": [\n        \"ppc64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linux-ppc64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-linux-riscv64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-LtdreXguaavKODPIfzJ4kffx7UNt1omwtK0rch4EBbbSTXPnxWmYSayXdLJw0fJzQ97kHt1gL/yh4tvU+nCyRQ==\",\n      \"cpu\": [\n        \"riscv64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linux-riscv64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-linux-s390x\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-UZasTOFiYzotTsGOCu42BfUzP6Tu6Do/947iRm1RsLKvlllxwGcn4RN27LibGWceix4Y+Pmw3jsnTcCQIgWjqA==\",\n      \"cpu\": [\n        \"s390x\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linux-s390x\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-linux-x64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-SxFtLTeJInhAA9Q836kux2vZNeOBQEx658qvbboZScr0wIARym3IcGmW7KpVD5sbVg0Ojy+udFQdayYIZyoNog==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linux-x64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-linuxmusl-arm64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-9HbMclmI1zlNkFRs3z9/eBtDjfD0sGlrX1z6b1qwmiFY5ElDLh4BC0LPBdVp7z1DXFiKlIcznf+ZlsuZzLxQqg==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"libc\": [\n        \"musl\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linuxmusl-arm64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-linuxmusl-x64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-4KOphqB035HrVdqLZfCgMzzERrQkkzOwRhl4OAkRO1YCldbaFjySXMaK534Mo0V+LndnlJk+sbUyLeU0ULyD1A==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"libc\": [\n        \"musl\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-libvips-linuxmusl-x64\": \"1.3.4\"\n      }\n    },\n    \"node_modules/@img/sharp-wasm32\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-Ptsga1su4tQx+LLF1ECS9U6nz5kmrXKo6XVbtR48Ke3ZRxxgaWBu7IDtEe1quo8hiupwm6WFqxVlXaSf7IINGQ==\",\n      \"license\": \"Apache-2.0 AND LGPL-3.0-or-later AND MIT\",\n      \"optional\": true,\n      \"dependencies\": {\n        \"@emnapi/runtime\": \"^1.11.3\"\n      },\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-webcontainers-wasm32\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-hfhF/FmoQyTUkA0bIKFOtw536BQSeBMe6BF6QyWlrPxT754+TFLaZ7sKKTfvvM0yJgKgaYTwnFCIZ/GuDw5SUA==\",\n      \"cpu\": [\n        \"wasm32\"\n      ],\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"dependencies\": {\n        \"@img/sharp-wasm32\": \"0.35.5\"\n      },\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-win32-arm64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-X4t7g+7ZA5DKblCBEXGjUqqemj4vczING/5viFwAL8h4N3qYeyjwdCvRLHi4EdOUI+2Z7UFlp1VM+p/AuEtm6Q==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"license\": \"Apache-2.0 AND LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-win32-ia32\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-5Zm82LoBc43nhwNybZlG7Y1KO//Zhsn306fQl29ZOuStHLGTo3BWL83q3cznX0poxSAMuYL1On/BHBxkBeKr6A==\",\n      \"cpu\": [\n        \"ia32\"\n      ],\n      \"license\": \"Apache-2.0 AND LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \"^20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@img/sharp-win32-x64\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-x76eH0vEiHlcMQu8Y8IenntaACtddpT6W0wmXtWrnKcnKI7ME5DdgqhAD6SEWOEl1v2zDvkZDhFA9KnURwpfqg==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"license\": \"Apache-2.0 AND LGPL-3.0-or-later\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      }\n    },\n    \"node_modules/@next/env\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-SunBjJ6t+oBtecS3dTjdVuMhUogP5wD/vrGL5EVuQYM1iS4O5ilL51HkiJ3sPjMzRHiCChvr4dbaSJbR7F3lxA==\",\n      \"license\": \"MIT\"\n    },\n    \"node_modules/@next/swc-darwin-arm64\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-kJ4VVZkley17xKaJx72QN2IBqjrj7zenCQZaUF0l9ShS/1Mt2kW4+Z5KGG6vgr3L/J562xTOizVyM1iA/u5nlg==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@next/swc-darwin-x64\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-eIPGZIqC+8JKaeZmvnCANJQF4xWkkHqSnAAajtFxgwDMAOnCgxNvP52SeWZ41PyVwoe+Le/NQuZSaQ8j7YshSA==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@next/swc-linux-arm64-gnu\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-9nI6O8vvczH2D9ZNdMGqb/3NuT15T9ksOZnAmx9/gjF2cOi74+xxyf1Hk96uIMfm14c9y6wHeBq6SH8g6udvcA==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@next/swc-linux-arm64-musl\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-7/qPhTxDp2ScluOJOhLuhWmlA17o1yZ0SIgpISBCpBxXgtnK4+KGywBpFkfLPiU1rnSM1faFGzYkH6i7JdTrqA==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"libc\": [\n        \"musl\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@next/swc-linux-x64-gnu\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-oOpbNa8XOW1qCGd9VvzC4fbkkRxEls7/WI6tz+YHC0xRA7KpV1U7DrAnCPjzVyOk/karzWEepCOcTIDmwK8FwQ==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"libc\": [\n        \"glibc\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@next/swc-linux-x64-musl\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-aM8CZ+OR2EwXaAYw7KGkW2GDmNDsLBIRe1MMRZCJPTdw/xhTD0IMUVO4sf3KqrzuRouGzwwLZn34+gFeVXiUQA==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"libc\": [\n        \"musl\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"linux\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@next/swc-win32-arm64-msvc\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-U0p7/tEtqvHX2crhd841CDwKtp5CFkKXVjOhmfccR3Pvp64sj8KBwRqsvltqLOwVBbj0NtkxwXSDpEHYGbxeXQ==\",\n      \"cpu\": [\n        \"arm64\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@next/swc-win32-x64-msvc\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-3ZG15/5WIdlTQsIEvc9sPTTSL5XFrlLklIKmfF4fwsDnoAhu6NcBDXsk3mbGxNyo6aVLEGex+fHCv2MahY7a9g==\",\n      \"cpu\": [\n        \"x64\"\n      ],\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"win32\"\n      ],\n      \"engines\": {\n        \"node\": \">= 10\"\n      }\n    },\n    \"node_modules/@swc/helpers\": {\n      \"version\": \"0.5.23\",\n      \"integrity\": \"sha512-5lSsMOTXURePglDfvuAQUqkGek9Hg2kksOYay2m0+XR++b2NWYL/4sWyuvVBIs8oKnJaxkdi9whaL/sqN13afw==\",\n      \"license\": \"Apache-2.0\",\n      \"dependencies\": {\n        \"tslib\": \"^2.8.0\"\n      }\n    },\n    \"node_modules/@types/node\": {\n      \"version\": \"22.20.5\",\n      \"integrity\": \"sha512-U2+DNr+wSjpsTS/wZGYHq7GcwfuSmKiKvoPvK22zwTlRhU91yOniN4qRR5KhIjvif7ysw/dz/hKmfDH0Ris4aA==\",\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"undici-types\": \"~6.21.0\"\n      }\n    },\n    \"node_modules/@types/react\": {\n      \"version\": \"19.3.3\",\n      \"integrity\": \"sha512-K8uWpJc4teiuOPdiP1umjeA9rGMgVPiXuoL66fcS1QlwBT1WMqY8PORmub9FadopIs+RCW6siYEs7Lpq+vDlog==\",\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"csstype\": \"^3.2.2\"\n      }\n    },\n    \"node_modules/@types/react-dom\": {\n      \"version\": \"19.3.0\",\n      \"integrity\": \"sha512-ZI7bU42mZXXKHn/qNLEw2IrbiINU7X5+vfgdixBHkCNpYWXjKgfQ/P+uyGb5CjOLB9UcnTeg3rylQtV2hym44Q==\",\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"peerDependencies\": {\n        \"@types/react\": \"^19.3.0\"\n      }\n    },\n    \"node_modules/baseline-browser-mapping\": {\n      \"version\": \"2.11.39\",\n      \"integrity\": \"sha512-Q9buOYhr2ggrEZpImICecZTJHCCd8yXkRUokFlUEQ8uiD6oP82F4W4jWnhOHZYV+wlvrC51V7Wy0ULyWjil5Wg==\",\n      \"license\": \"Apache-2.0\",\n      \"bin\": {\n        \"baseline-browser-mapping\": \"dist/cli.cjs\"\n      },\n      \"engines\": {\n        \"node\": \">=6.0.0\"\n      }\n    },\n    \"node_modules/caniuse-lite\": {\n      \"version\": \"1.0.30001828\",\n      \"integrity\": \"sha512-7MWeT+3DlrpuDybTWHl4Zb1Z80Z1fLLnOXuBjDXebzDVcqnEWUlV8JcbASg8B8BhcW8QT2UiR1KAtzYFIZHZYA==\",\n      \"funding\": [\n        {\n          \"type\": \"opencollective\",\n          \"url\": \"https://opencollective.com/browserslist\"\n        },\n        {\n          \"type\": \"tidelift\",\n          \"url\": \"https://tidelift.com/funding/github/npm/caniuse-lite\"\n        },\n        {\n          \"type\": \"github\",\n          \"url\": \"https://github.com/sponsors/ai\"\n        }\n      ],\n      \"license\": \"CC-BY-4.0\"\n    },\n    \"node_modules/client-only\": {\n      \"version\": \"0.0.1\",\n      \"integrity\": \"sha512-IV3Ou0jSMzZrd3pZ48nLkT9DA7Ag1pnPzaiQhpW7c3RbcqqzvzzVu+L8gfqMp/8IM2MQtSiqaCxrrcfu8I8rMA==\",\n      \"license\": \"MIT\"\n    },\n    \"node_modules/csstype\": {\n      \"version\": \"3.2.4\",\n      \"integrity\": \"sha512-PoKaoPzQapnEoqUSnHx1u6W6ku8CVEgKsnpmmzU3m1nwkidpPBQ8V/Zq2+bWNrsOKoKLwTGdbx6xF7BXP1zLVQ==\",\n      \"dev\": true,\n      \"license\": \"MIT\"\n    },\n    \"node_modules/detect-libc\": {\n      \"version\": \"2.1.2\",\n      \"integrity\": \"sha512-Btj2BOOO83o3WyH59e8MgXsxEQVcarkUOpEYrubB0urwnN10yQ364rsiByU11nZlqWYZm05i/of7io4mzihBtQ==\",\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"engines\": {\n        \"node\": \">=8\"\n      }\n    },\n    \"node_modules/esbuild\": {\n      \"version\": \"0.28.2\",\n      \"integrity\": \"sha512-HKVLS8dvII+xoKW9kmqxbRKrnWEXfJJr/FZhhJmiqIB0e053QNYFqOBouTMO/k5sID4MvCiUCvv8b9M4h32wIA==\",\n      \"dev\": true,\n      \"hasInstallScript\": true,\n      \"license\": \"MIT\",\n      \"bin\": {\n        \"esbuild\": \"bin/esbuild\"\n      },\n      \"engines\": {\n        \"node\": \">=18\"\n      },\n      \"optionalDependencies\": {\n        \"@esbuild/aix-ppc64\": \"0.28.2\",\n        \"@esbuild/android-arm\": \"0.28.2\",\n        \"@esbuild/android-arm64\": \"0.28.2\",\n        \"@esbuild/android-x64\": \"0.28.2\",\n        \"@esbuild/darwin-arm64\": \"0.28.2\",\n        \"@esbuild/darwin-x64\": \"0.28.2\",\n        \"@esbuild/freebsd-arm64\": \"0.28.2\",\n        \"@esbuild/freebsd-x64\": \"0.28.2\",\n        \"@esbuild/linux-arm\": \"0.28.2\",\n        \"@esbuild/linux-arm64\": \"0.28.2\",\n        \"@esbuild/linux-ia32\": \"0.28.2\",\n        \"@esbuild/linux-loong64\": \"0.28.2\",\n        \"@esbuild/linux-mips64el\": \"0.28.2\",\n        \"@esbuild/linux-ppc64\": \"0.28.2\",\n        \"@esbuild/linux-riscv64\": \"0.28.2\",\n        \"@esbuild/linux-s390x\": \"0.28.2\",\n        \"@esbuild/linux-x64\": \"0.28.2\",\n        \"@esbuild/netbsd-arm64\": \"0.28.2\",\n        \"@esbuild/netbsd-x64\": \"0.28.2\",\n        \"@esbuild/openbsd-arm64\": \"0.28.2\",\n        \"@esbuild/openbsd-x64\": \"0.28.2\",\n        \"@esbuild/openharmony-arm64\": \"0.28.2\",\n        \"@esbuild/sunos-x64\": \"0.28.2\",\n        \"@esbuild/win32-arm64\": \"0.28.2\",\n        \"@esbuild/win32-ia32\": \"0.28.2\",\n        \"@esbuild/win32-x64\": \"0.28.2\"\n      }\n    },\n    \"node_modules/fsevents\": {\n      \"version\": \"2.3.3\",\n      \"integrity\": \"sha512-5xoDfX+fL7faATnagmWPpbFtwh/R77WmMMqqHGS65C3vvB0YHrgF+B1YmZ3441tMj5n63k0212XNoJwzlhffQw==\",\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"optional\": true,\n      \"os\": [\n        \"darwin\"\n      ],\n      \"engines\": {\n        \"node\": \"^8.16.0 || ^10.6.0 || >=11.0.0\"\n      }\n    },\n    \"node_modules/jose\": {\n      \"version\": \"6.2.18\",\n      \"integrity\": \"sha512-doV4thUwgkrycJH4yLeqwTGIIZphHl+pk7CPReuMIhYhncmgzdko85MaCG4YQFTxqMFr1/oEH32tZuKKovcDEg==\",\n      \"license\": \"MIT\",\n      \"funding\": {\n        \"url\": \"https://github.com/sponsors/panva\"\n      }\n    },\n    \"node_modules/nanoid\": {\n      \"version\": \"3.3.20\",\n      \"integrity\": \"sha512-uKdg2G3GNCKQn9byYOpxbGqrT2fGO5KRt5J/8b3pok8rT6qxGWF6hxMyJiEYtAf+FVyYuD9hRaDqX5uPFYJ4ZQ==\",\n      \"funding\": [\n        {\n          \"type\": \"github\",\n          \"url\": \"https://github.com/sponsors/ai\"\n        }\n      ],\n      \"license\": \"MIT\",\n      \"bin\": {\n        \"nanoid\": \"bin/nanoid.cjs\"\n      },\n      \"engines\": {\n        \"node\": \"^10 || ^12 || ^13.7 || ^14 || >=15.0.1\"\n      }\n    },\n    \"node_modules/next\": {\n      \"version\": \"16.4.6\",\n      \"integrity\": \"sha512-QZJiYhaZLJMo2KpkQGQIwvmd79WVsAWeYIU554a8d7zArS3si/IRy3lBNV/rtYhE70oLwdLYhPAXLPx8HwcwtA==\",\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"@next/env\": \"16.4.6\",\n        \"@swc/helpers\": \"0.5.23\",\n        \"baseline-browser-mapping\": \"^2.9.19\",\n        \"caniuse-lite\": \"^1.0.30001579\",\n        \"postcss\": \"8.5.23\",\n        \"styled-jsx\": \"5.1.6\"\n      },\n      \"bin\": {\n        \"next\": \"dist/bin/next\"\n      },\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"optionalDependencies\": {\n        \"@next/swc-darwin-arm64\": \"16.4.6\",\n        \"@next/swc-darwin-x64\": \"16.4.6\",\n        \"@next/swc-linux-arm64-gnu\": \"16.4.6\",\n        \"@next/swc-linux-arm64-musl\": \"16.4.6\",\n        \"@next/swc-linux-x64-gnu\": \"16.4.6\",\n        \"@next/swc-linux-x64-musl\": \"16.4.6\",\n        \"@next/swc-win32-arm64-msvc\": \"16.4.6\",\n        \"@next/swc-win32-x64-msvc\": \"16.4.6\",\n        \"sharp\": \"^0.35.5\"\n      },\n      \"peerDependencies\": {\n        \"@opentelemetry/api\": \"^1.1.0\",\n        \"@playwright/test\": \"^1.51.1\",\n        \"babel-plugin-react-compiler\": \"*\",\n        \"react\": \"^18.2.0 || 19.0.0-rc-de68d2f4-20241204 || ^19.0.0\",\n        \"react-dom\": \"^18.2.0 || 19.0.0-rc-de68d2f4-20241204 || ^19.0.0\",\n        \"sass\": \"^1.3.0\"\n      },\n      \"peerDependenciesMeta\": {\n        \"@opentelemetry/api\": {\n          \"optional\": true\n        },\n        \"@playwright/test\": {\n          \"optional\": true\n        },\n        \"babel-plugin-react-compiler\": {\n          \"optional\": true\n        },\n        \"sass\": {\n          \"optional\": true\n        }\n      }\n    },\n    \"node_modules/oauth4webapi\": {\n      \"version\": \"3.8.8\",\n      \"integrity\": \"sha512-8N28E+a/oxfXWBgOMt+ZP/JUf/XR+IFbvkAEPP3gznXOMv9BpAAwiIj0TFNz3tGTPc0ZQ8zmWBNgN1nAys0gng==\",\n      \"license\": \"MIT\",\n      \"funding\": {\n        \"url\": \"https://github.com/sponsors/panva\"\n      }\n    },\n    \"node_modules/openid-client\": {\n      \"version\": \"6.9.0\",\n      \"integrity\": \"sha512-2IvamJR8PAnWHngaCsGGA8TYfcLI2egvuqa9cOQYHIISwIUhxJwwwcCnkgVX95fzZ6J0TAna0aVGUMOxnPeRqg==\",\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"jose\": \"^6.2.15\",\n        \"oauth4webapi\": \"^3.8.8\"\n      },\n      \"funding\": {\n        \"url\": \"https://github.com/sponsors/panva\"\n      }\n    },\n    \"node_modules/picocolors\": {\n      \"version\": \"1.1.1\",\n      \"integrity\": \"sha512-xceH2snhtb5M9liqDsmEw56le376mTZkEX/jEb/RxNFyegNul7eNslCXP9FDj/Lcu0X8KEyMceP2ntpaHrDEVA==\",\n      \"license\": \"ISC\"\n    },\n    \"node_modules/postcss\": {\n      \"version\": \"8.5.23\",\n      \"integrity\": \"sha512-g50586zr4bZmwFiTlflMu8E0bDTb5I5gertgwAKmsdUlTQIhZtunzUlD1WSzwcVWPoAVpsrA6vlfCD7oXvRwgg==\",\n      \"funding\": [\n        {\n          \"type\": \"opencollective\",\n          \"url\": \"https://opencollective.com/postcss/\"\n        },\n        {\n          \"type\": \"tidelift\",\n          \"url\": \"https://tidelift.com/funding/github/npm/postcss\"\n        },\n        {\n          \"type\": \"github\",\n          \"url\": \"https://github.com/sponsors/ai\"\n        }\n      ],\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"nanoid\": \"^3.3.16\",\n        \"picocolors\": \"^1.1.1\",\n        \"source-map-js\": \"^1.2.1\"\n      },\n      \"engines\": {\n        \"node\": \"^10 || ^12 || >=14\"\n      }\n    },\n    \"node_modules/react\": {\n      \"version\": \"19.3.1\",\n      \"integrity\": \"sha512-QNhWdt7nrgVWWQG58QuGsAR3jv3Hbe4mb4vz7w2csnHavciZJgda1CPNaldF6eVxv90ud3jUXpKlHL69gO38yw==\",\n      \"license\": \"MIT\",\n      \"engines\": {\n        \"node\": \">=0.10.0\"\n      }\n    },\n    \"node_modules/react-dom\": {\n      \"version\": \"19.3.1\",\n      \"integrity\": \"sha512-Y0bARz53lhEC1NMCASs0/j+faB/zqt3R8hpvg1e8+61ZVJ4UL0UdC4cBbXfZMcIuhrfgeILTLe+ZeBCavQPtKQ==\",\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"scheduler\": \"^0.28.0\"\n      },\n      \"peerDependencies\": {\n        \"react\": \"^19.3.1\"\n      }\n    },\n    \"node_modules/scheduler\": {\n      \"version\": \"0.28.0\",\n      \"integrity\": \"sha512-juorfCmIkIw8tT+p5BXSm6PJjQF/ycEYmKyzURCIt/RaZIhL+PulbQ9Yu2z1HdOJDdqDTlxA1+xKBmHXJsczAw==\",\n      \"license\": \"MIT\"\n    },\n    \"node_modules/semver\": {\n      \"version\": \"7.8.6\",\n      \"integrity\": \"sha512-9lpSSU4Mly3mrtruwLs1eLK6+gzbzqeBFwRNjIjE+9LuDpWdYctrQlQ3ej1Ilgi7gknpsTRnPoLP8DpCHqHIJw==\",\n      \"license\": \"ISC\",\n      \"optional\": true,\n      \"bin\": {\n        \"semver\": \"bin/semver.js\"\n      },\n      \"engines\": {\n        \"node\": \">=10\"\n      }\n    },\n    \"node_modules/server-only\": {\n      \"version\": \"0.0.1\",\n      \"integrity\": \"sha512-qepMx2JxAa5jjfzxG79yPPq+8BuFToHd1hm7kI+Z4zAq1ftQiP7HcxMhDDItrbtwVeLg/cY2JnKnrcFkmiswNA==\",\n      \"license\": \"MIT\"\n    },\n    \"node_modules/sharp\": {\n      \"version\": \"0.35.5\",\n      \"integrity\": \"sha512-Ywn4OnzGukp7CDMrp08RQ50YKmuwG47brZgIVPTvBaaAfQlRlygrRqSrxdCiL9M+LlzLBiJ68IR1QqvzHyjC7g==\",\n      \"license\": \"Apache-2.0\",\n      \"optional\": true,\n      \"dependencies\": {\n        \"@img/colour\": \"^1.1.0\",\n        \"detect-libc\": \"^2.1.2\",\n        \"semver\": \"^7.8.5\"\n      },\n      \"engines\": {\n        \"node\": \">=20.9.0\"\n      },\n      \"funding\": {\n        \"url\": \"https://opencollective.com/libvips\"\n      },\n      \"optionalDependencies\": {\n        \"@img/sharp-darwin-arm64\": \"0.35.5\",\n        \"@img/sharp-darwin-x64\": \"0.35.5\",\n        \"@img/sharp-freebsd-wasm32\": \"0.35.5\",\n        \"@img/sharp-libvips-darwin-arm64\": \"1.3.4\",\n        \"@img/sharp-libvips-darwin-x64\": \"1.3.4\",\n        \"@img/sharp-libvips-linux-arm\": \"1.3.4\",\n        \"@img/sharp-libvips-linux-arm64\": \"1.3.4\",\n        \"@img/sharp-libvips-linux-ppc64\": \"1.3.4\",\n        \"@img/sharp-libvips-linux-riscv64\": \"1.3.4\",\n        \"@img/sharp-libvips-linux-s390x\": \"1.3.4\",\n        \"@img/sharp-libvips-linux-x64\": \"1.3.4\",\n        \"@img/sharp-libvips-linuxmusl-arm64\": \"1.3.4\",\n        \"@img/sharp-libvips-linuxmusl-x64\": \"1.3.4\",\n        \"@img/sharp-linux-arm\": \"0.35.5\",\n        \"@img/sharp-linux-arm64\": \"0.35.5\",\n        \"@img/sharp-linux-ppc64\": \"0.35.5\",\n        \"@img/sharp-linux-riscv64\": \"0.35.5\",\n        \"@img/sharp-linux-s390x\": \"0.35.5\",\n        \"@img/sharp-linux-x64\": \"0.35.5\",\n        \"@img/sharp-linuxmusl-arm64\": \"0.35.5\",\n        \"@img/sharp-linuxmusl-x64\": \"0.35.5\",\n        \"@img/sharp-webcontainers-wasm32\": \"0.35.5\",\n        \"@img/sharp-win32-arm64\": \"0.35.5\",\n        \"@img/sharp-win32-ia32\": \"0.35.5\",\n        \"@img/sharp-win32-x64\": \"0.35.5\"\n      },\n      \"peerDependenciesMeta\": {\n        \"@types/node\": {\n          \"optional\": true\n        }\n      }\n    },\n    \"node_modules/source-map-js\": {\n      \"version\": \"1.2.4\",\n      \"integrity\": \"sha512-J7ZjMvHd9O1fcT/5V09QWaaSl2BbWx3F6O08spde82Namf9UB0GxRVIPiNbVsdKkoizHiSpTodo3vp2bAy91MA==\",\n      \"license\": \"BSD-3-Clause\",\n      \"engines\": {\n        \"node\": \">=6.0.0\"\n      }\n    },\n    \"node_modules/styled-jsx\": {\n      \"version\": \"5.1.6\",\n      \"integrity\": \"sha512-qSVyDTeMotdvQYoHWLNGwRFJHC+i+ZvdBRYosOFgC+Wg1vx4frN2/RG/NA7SYqqvKNLf39P2LSRA2pu6n0XYZA==\",\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"client-only\": \"0.0.1\"\n      },\n      \"engines\": {\n        \"node\": \">= 12.0.0\"\n      },\n      \"peerDependencies\": {\n        \"react\": \">= 16.8.0 || 17.x.x || ^18.0.0-0 || ^19.0.0-0\"\n      },\n      \"peerDependenciesMeta\": {\n        \"@babel/core\": {\n          \"optional\": true\n        },\n        \"babel-plugin-macros\": {\n          \"optional\": true\n        }\n      }\n    },\n    \"node_modules/tslib\": {\n      \"version\": \"2.9.1\",\n      \"integrity\": \"sha512-a4Ux9VKuIMHsOS7ENbEq6hK2ZGYIT27Rtl0E4eD9KqwxhKiQeMZE/9xb3IdYwWaSOyIBQLExhQgXDTYoiCxnWA==\",\n      \"license\": \"0BSD\"\n    },\n    \"node_modules/tsx\": {\n      \"version\": \"4.23.15\",\n      \"integrity\": \"sha512-Yiex1Ovn8z2xPpOWckIiysV1SSyRMY9BkLF++q0yKiDxCqRhosKfMg3janKkiLBwZ5c/YryloKwGZcrEmtwxKw==\",\n      \"dev\": true,\n      \"license\": \"MIT\",\n      \"dependencies\": {\n        \"esbuild\": \"~0.28.0\"\n      },\n      \"bin\": {\n        \"tsx\": \"dist/cli.mjs\"\n      },\n      \"engines\": {\n        \"node\": \">=18.0.0\"\n      },\n      \"optionalDependencies\": {\n        \"fsevents\": \"~2.3.3\"\n      }\n    },\n    \"node_modules/typescript\": {\n      \"version\": \"5.9.3\",\n      \"integrity\": \"sha512-jl1vZzPDinLr9eUt3J/t7V6FgNEw9QjvBPdysz9KfQDD41fQrC2Y4vKQdiaUpFT4bXlb1RHhLpp8wtm6M5TgSw==\",\n      \"dev\": true,\n      \"license\": \"Apache-2.0\",\n      \"bin\": {\n        \"tsc\": \"bin/tsc\",\n        \"tsserver\": \"bin/tsserver\"\n      },\n      \"engines\": {\n        \"node\": \">=14.17\"\n      }\n    },\n    \"node_modules/undici-types\": {\n      \"version\": \"6.21.0\",\n      \"integrity\": \"sha512-iwDZqg0QAGrg9Rav5H4n0M64c3mkR59cJ6wQp+7C4nI0gsmExaedaYLNO44eT4AtBBwjbTiGPMlt2Md0T9H9JQ==\",\n      \"dev\": true,\n      \"license\": \"MIT\"\n    },\n    \"node_modules/zod\": {\n      \"version\": \"4.6.7\",\n      \"integrity\": \"sha512-g8W2D2kU6a8untc053fX1uVBKzM7yqAxW/3zwk83+6RyF2+SKOuV+c0wBDhUwzV1PaGapmZH+rmcUzPf+3CGwg==\",\n      \"license\": \"MIT\",\n      \"funding\": {\n        \"url\": \"https://github.com/sponsors/colinhacks\"\n      }\n    }\n  }\n}\n";
},"useData":true},
  },
  "web/web/package.json.hbs": {
    sha256: "b4de89a5d60ac85f85d6165fc00022f125ec94cefade276b7fd3b7ef5b3c678b",
    spec: {"compiler":[8,">= 4.3.0"],"main":function(container,depth0,helpers,partials,data) {
    var stack1, lookupProperty = container.lookupProperty || function(parent, propertyName) {
        if (Object.prototype.hasOwnProperty.call(parent, propertyName)) {
          return parent[propertyName];
        }
        return undefined
    };

  return "{\n  \"name\": "
    + ((stack1 = lookupProperty(helpers,"json").call(depth0 != null ? depth0 : (container.nullContext || {}),lookupProperty(lookupProperty(depth0,"names"),"npm"),{"name":"json","hash":{},"data":data,"loc":{"start":{"line":2,"column":10},"end":{"line":2,"column":28}}})) != null ? stack1 : "")
    + ",\n  \"version\": \"0.1.0\",\n  \"private\": true,\n  \"type\": \"module\",\n  \"engines\": {\n    \"node\": \">=20.12\"\n  },\n  \"scripts\": {\n    \"dev\": \"next dev --hostname 127.0.0.1\",\n    \"build\": \"next build\",\n    \"start\": \"next start --hostname 127.0.0.1\",\n    \"typecheck\": \"tsc --noEmit\",\n    \"test\": \"node --conditions=react-server --import tsx --test test/*.test.ts\",\n    \"drill:session-key\": \"node scripts/drill-session-key-rotation.mjs\"\n  },\n  \"dependencies\": {\n    \"jose\": \"^6.2.18\",\n    \"next\": \"^16.4.6\",\n    \"openid-client\": \"^6.9.0\",\n    \"react\": \"^19.3.1\",\n    \"react-dom\": \"^19.3.1\",\n    \"server-only\": \"^0.0.1\",\n    \"zod\": \"^4.6.7\"\n  },\n  \"devDependencies\": {\n    \"@types/node\": \"^22.20.5\",\n    \"@types/react\": \"^19.3.3\",\n    \"@types/react-dom\": \"^19.3.0\",\n    \"tsx\": \"^4.23.15\",\n    \"typescript\": \"~5.9.3\"\n  }\n}\n";
},"useData":true},
  },
};
