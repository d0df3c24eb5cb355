#!/usr/bin/env node
/**
 * Drill: rotate the web session key (SESSION_SECRET) and prove that old sessions end cleanly.
 *
 * A rehearsal on 127.0.0.1 with this app's own build (run `npm run build` first): `next start` with the key in a
 * secret file (SESSION_SECRET_FILE), a stand-in identity provider and a stand-in API. It signs in through the
 * real login (authorization code + PKCE), proves the session works, rotates the key the way an operator does
 * (a new key in the secret file, then a restart: the app reads its secrets at start-up and keeps no previous
 * key, so every session sealed with the old key ends), and proves that the old cookie then ends cleanly: no
 * 5xx, pages send the user to the login, route handlers answer 401, the stale cookie is deleted, and a new
 * login works with the new key. Exit code 0 when every step holds, 1 otherwise.
 *
 * Plain Node (no dependency beyond the app's own build). Keys are random per run and written only to a
 * temporary directory that is removed at the end.
 */
import { spawn } from "node:child_process";
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
} from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const NEXT_BIN = join(WEB_DIR, "node_modules", "next", "dist", "bin", "next");
const SESSION_COOKIE = "__Host-session";
const LOGIN_COOKIE = "__Host-login";
const CLIENT_ID = "drill-web";
const CLIENT_SECRET = randomBytes(24).toString("hex");
const ACCESS_TOKEN = `drill-${randomBytes(24).toString("hex")}`;
const START_TIMEOUT_MS = 60_000;

class DrillFailure extends Error {}

function check(condition, message) {
  if (!condition) throw new DrillFailure(message);
}

const step = (message) => console.log(`ok   ${message}`);
const newSessionKey = () => randomBytes(48).toString("base64");

// ---------------------------------------------------------------------------------------------------------
// Stand-in identity provider and API (127.0.0.1 only)
// ---------------------------------------------------------------------------------------------------------

function listen(handler) {
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () =>
      handler(request, Buffer.concat(chunks).toString("utf8"), response),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(server)),
  );
}

const portOf = (server) => server.address().port;
const close = (server) =>
  new Promise((resolve) => (server ? server.close(resolve) : resolve()));

function sendJson(response, status, body) {
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
  });
  response.end(JSON.stringify(body));
}

const base64url = (data) => Buffer.from(data).toString("base64url");

/** An OpenID provider that knows one client, and issues codes only for logins this drill started. */
function identityProvider() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
  });
  const codes = new Map();
  let issuer = "";
  const idToken = (nonce) => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(
      JSON.stringify({ alg: "RS256", typ: "JWT", kid: "drill" }),
    );
    const claims = base64url(
      JSON.stringify({
        iss: issuer,
        aud: CLIENT_ID,
        sub: "drill-user",
        name: "Drill User",
        nonce,
        iat: now,
        exp: now + 300,
      }),
    );
    const signature = sign(
      "sha256",
      Buffer.from(`${header}.${claims}`),
      privateKey,
    );
    return `${header}.${claims}.${base64url(signature)}`;
  };
  const handler = (request, body, response) => {
    const url = new URL(request.url ?? "/", issuer);
    if (url.pathname === "/.well-known/openid-configuration")
      return sendJson(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}authorize`,
        token_endpoint: `${issuer}token`,
        jwks_uri: `${issuer}jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: [
          "client_secret_basic",
          "client_secret_post",
        ],
      });
    if (url.pathname === "/jwks")
      return sendJson(response, 200, {
        keys: [
          {
            ...publicKey.export({ format: "jwk" }),
            kid: "drill",
            use: "sig",
            alg: "RS256",
          },
        ],
      });
    if (url.pathname === "/token" && request.method === "POST") {
      const form = new URLSearchParams(body);
      const basic = request.headers.authorization?.startsWith("Basic ")
        ? Buffer.from(request.headers.authorization.slice(6), "base64")
            .toString("utf8")
            .split(":")
            .map(decodeURIComponent)
        : [form.get("client_id"), form.get("client_secret")];
      const login = codes.get(form.get("code") ?? "");
      const challenge = base64url(
        createHash("sha256")
          .update(form.get("code_verifier") ?? "")
          .digest(),
      );
      if (
        basic[0] !== CLIENT_ID ||
        basic[1] !== CLIENT_SECRET ||
        login === undefined ||
        challenge !== login.challenge
      )
        return sendJson(response, 400, { error: "invalid_grant" });
      codes.delete(form.get("code"));
      return sendJson(response, 200, {
        access_token: ACCESS_TOKEN,
        token_type: "Bearer",
        expires_in: 3600,
        scope: "openid profile projects:read projects:write",
        id_token: idToken(login.nonce),
      });
    }
    sendJson(response, 404, { error: "not_found" });
  };
  return {
    handler,
    setIssuer: (value) => (issuer = value),
    /** What the user does at the IdP: approves the login and comes back with a code. */
    approve(authorizeUrl) {
      const code = randomBytes(16).toString("hex");
      codes.set(code, {
        challenge: authorizeUrl.searchParams.get("code_challenge") ?? "",
        nonce: authorizeUrl.searchParams.get("nonce") ?? "",
      });
      return code;
    },
  };
}

function apiHandler(request, _body, response) {
  if (request.headers.authorization !== `Bearer ${ACCESS_TOKEN}`)
    return sendJson(response, 401, { detail: "unauthorized" });
  if (request.url === "/v1/projects" && request.method === "GET")
    return sendJson(response, 200, [
      {
        id: "5d0c6f43-63a4-4d8e-9d59-0f1e2d3c4b5a",
        name: "Drill project",
        created_at: "2026-01-01T00:00:00Z",
      },
    ]);
  sendJson(response, 404, { detail: "not found" });
}

// ---------------------------------------------------------------------------------------------------------
// The app under `next start`
// ---------------------------------------------------------------------------------------------------------

async function freePort() {
  const server = await listen(() => undefined);
  const port = portOf(server);
  await close(server);
  return port;
}

/** Starts `next start` and waits until /api/health answers; rejects with the server's output otherwise. */
async function startApp(port, env) {
  const child = spawn(
    process.execPath,
    [NEXT_BIN, "start", "-H", "127.0.0.1", "-p", String(port)],
    { cwd: WEB_DIR, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new DrillFailure(`next start exited:\n${output}`);
    const ready = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready)
      return {
        output: () => output,
        async stop() {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill("SIGKILL");
  throw new DrillFailure(`next start did not answer in time:\n${output}`);
}

// ---------------------------------------------------------------------------------------------------------
// A client that records every answer, so the drill can prove there was no 5xx
// ---------------------------------------------------------------------------------------------------------

function client(origin) {
  const answers = [];
  async function request(pathname, { cookie, method = "GET", headers } = {}) {
    const response = await fetch(`${origin}${pathname}`, {
      method,
      redirect: "manual",
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
    });
    const answer = {
      pathname,
      status: response.status,
      location: response.headers.get("location"),
      cookies: response.headers.getSetCookie(),
      text: await response.text(),
    };
    answers.push(answer);
    return answer;
  }
  return { request, answers };
}

const cookiePair = (setCookie) => setCookie?.split(";")[0] ?? "";
const setCookieFor = (answer, name) =>
  answer.cookies.find((cookie) => cookie.startsWith(`${name}=`));

function deletesSession(answer) {
  const setCookie = setCookieFor(answer, SESSION_COOKIE);
  return (
    setCookie !== undefined &&
    cookiePair(setCookie) === `${SESSION_COOKIE}=` &&
    /;\s*max-age=0(;|$)/i.test(setCookie)
  );
}

/** The user's login: /auth/login → the IdP → /auth/callback, which sets the session cookie. */
async function signIn(app, idp, staleCookie) {
  const login = await app.request("/auth/login?returnTo=/projects", {
    cookie: staleCookie,
  });
  check(
    login.status === 303 && login.location,
    `/auth/login answered ${login.status}`,
  );
  const authorize = new URL(login.location);
  const code = idp.approve(authorize);
  const state = encodeURIComponent(authorize.searchParams.get("state") ?? "");
  const callback = await app.request(
    `/auth/callback?code=${code}&state=${state}`,
    { cookie: cookiePair(setCookieFor(login, LOGIN_COOKIE)) },
  );
  const session = setCookieFor(callback, SESSION_COOKIE);
  check(
    callback.status === 303 &&
      session !== undefined &&
      !deletesSession(callback),
    `/auth/callback answered ${callback.status} without a session cookie`,
  );
  return { login, cookie: cookiePair(session) };
}

/** The session works: the signed-in page renders and the route handler reaches the API with the token. */
async function provesSessionWorks(app, cookie, label) {
  const page = await app.request("/projects", { cookie });
  check(
    page.status === 200 && page.text.includes("Signed in as"),
    `${label}: /projects answered ${page.status}, not the signed-in page`,
  );
  const api = await app.request("/api/projects", { cookie });
  check(
    api.status === 200 && api.text.includes("Drill project"),
    `${label}: /api/projects answered ${api.status}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// The drill
// ---------------------------------------------------------------------------------------------------------

async function drill() {
  check(
    existsSync(join(WEB_DIR, ".next", "BUILD_ID")) && existsSync(NEXT_BIN),
    "no build to run: `npm ci && npm run build` first",
  );
  const secrets = mkdtempSync(join(tmpdir(), "session-key-drill-"));
  const keyFile = join(secrets, "session_secret");
  const writeKey = (key) => {
    // Replace the file in one step, as a secret store's agent does: the app never reads half a key.
    const next = `${keyFile}.next`;
    writeFileSync(next, `${key}\n`, { mode: 0o600 });
    renameSync(next, keyFile);
  };
  const idp = identityProvider();
  let idpServer;
  let apiServer;
  let server;
  try {
    idpServer = await listen(idp.handler);
    idp.setIssuer(`http://127.0.0.1:${portOf(idpServer)}/`);
    apiServer = await listen(apiHandler);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const env = { ...process.env };
    for (const name of [
      "SESSION_SECRET",
      "OIDC_CLIENT_SECRET_FILE",
      "SESSION_MAX_AGE_SECONDS",
      "OIDC_SCOPES",
      "PORT",
    ])
      delete env[name];
    Object.assign(env, {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      APP_ORIGIN: origin,
      API_BASE_URL: `http://127.0.0.1:${portOf(apiServer)}`,
      OIDC_ISSUER: `http://127.0.0.1:${portOf(idpServer)}/`,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      SESSION_SECRET_FILE: keyFile,
    });
    const app = client(origin);

    writeKey(newSessionKey());
    server = await startApp(port, env);
    step(`next start on ${origin}, session key from SESSION_SECRET_FILE`);

    const { cookie: oldCookie } = await signIn(app, idp);
    await provesSessionWorks(app, oldCookie, "before the rotation");
    step("signed in; the session works (page and route handler)");

    writeKey(newSessionKey());
    await server.stop();
    server = await startApp(port, env);
    step("rotated: a new key in the secret file, app restarted");

    const page = await app.request("/projects", { cookie: oldCookie });
    check(
      [303, 307].includes(page.status) &&
        page.location !== null &&
        new URL(page.location, origin).pathname === "/auth/login",
      `old cookie on /projects: expected a redirect to /auth/login, got ${page.status} ${page.location ?? ""}`,
    );
    step(`old cookie on /projects: ${page.status} to the login`);

    for (const method of ["GET", "POST"]) {
      const api = await app.request("/api/projects", {
        method,
        cookie: oldCookie,
        headers: { origin, "content-type": "application/json" },
      });
      check(
        api.status === 401,
        `old cookie on ${method} /api/projects: expected 401, got ${api.status}`,
      );
      check(
        deletesSession(api),
        `old cookie on ${method} /api/projects: the 401 does not delete the stale cookie`,
      );
    }
    step("old cookie on /api/projects: 401, and the stale cookie is deleted");

    const { login, cookie: newCookie } = await signIn(app, idp, oldCookie);
    check(
      deletesSession(login),
      "/auth/login with the old cookie does not delete it",
    );
    check(newCookie !== oldCookie, "the new login returned the old cookie");
    step("the login deletes the stale cookie; a new login succeeds");

    await provesSessionWorks(app, newCookie, "after the rotation");
    step("the new session works with the new key");

    const oldAgain = await app.request("/api/projects", { cookie: oldCookie });
    check(
      oldAgain.status === 401,
      `the old cookie works again (${oldAgain.status})`,
    );

    const failed = app.answers.filter((answer) => answer.status >= 500);
    check(
      failed.length === 0,
      `server errors during the drill: ${failed.map((answer) => `${answer.status} ${answer.pathname}`).join(", ")}`,
    );
    step(`no 5xx in ${app.answers.length} requests`);
  } finally {
    await server?.stop();
    await Promise.all([close(idpServer), close(apiServer)]);
    rmSync(secrets, { recursive: true, force: true });
  }
}

try {
  await drill();
  console.log(
    "drill passed: old sessions end cleanly after a session-key rotation",
  );
} catch (error) {
  if (!(error instanceof DrillFailure)) throw error;
  console.error(`FAIL ${error.message}`);
  process.exitCode = 1;
}
