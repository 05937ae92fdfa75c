// SPDX-License-Identifier: EUPL-1.2
//
// A real OpenID Connect provider on loopback for magcore-web's sign-in tests.
//
// Usage: node tests/web/oidc/provider.mjs
//
// It listens on 127.0.0.1 on a free port and prints one line on stdout when ready:
//   {"issuer": "http://127.0.0.1:PORT"}
// and stops on SIGTERM or when its standard input closes (so a test run that dies leaves no
// provider behind).
//
// Environment:
//   MAGCORE_OIDC_REDIRECT_URIS   comma-separated redirect URIs of the test client (required)
//   MAGCORE_OIDC_CLIENT_ID       client id (default magcore-web)
//   MAGCORE_OIDC_CLIENT_SECRET   client secret (default magcore-web-test-secret)
//
// The test users sign in on a plain form (user name and password); consent is granted at
// once. Each user has a magcore person id in the "employee_id" claim and groups in "groups".

import { createServer } from "node:http";
import { randomBytes } from "node:crypto";

import Provider from "oidc-provider";

const USERS = {
  anna: { password: "anna-pw", name: "Anna de Vries", employee_id: "anna", groups: ["gemeente-medewerkers"] },
  bram: { password: "bram-pw", name: "Bram Jansen", employee_id: "bram", groups: ["gemeente-medewerkers", "gemeente-leidinggevenden"] },
  carla: { password: "carla-pw", name: "Carla Visser", employee_id: "carla", groups: ["gemeente-medewerkers"] },
  hanna: { password: "hanna-pw", name: "Hanna Bakker", employee_id: "hanna", groups: ["gemeente-medewerkers", "gemeente-hr"] },
  pieter: { password: "pieter-pw", name: "Pieter Smit", employee_id: "pieter", groups: ["gemeente-medewerkers", "gemeente-privacy"] },
  olga: { password: "olga-pw", name: "Olga Mulder", employee_id: "olga", groups: ["gemeente-medewerkers", "gemeente-or"] },
  // Signs in fine but has no magcore person id: the web app must refuse them.
  gast: { password: "gast-pw", name: "Gast", groups: [] },
};

const redirectUris = (process.env.MAGCORE_OIDC_REDIRECT_URIS || "")
  .split(",")
  .map((u) => u.trim())
  .filter(Boolean);
if (redirectUris.length === 0) {
  process.stderr.write("provider.mjs: set MAGCORE_OIDC_REDIRECT_URIS\n");
  process.exit(2);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, message) {
  const error = message ? `<p role="alert">${escapeHtml(message)}</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body><main><h1>Test identity provider</h1>${error}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label for="login">User name</label> <input id="login" name="login" autocomplete="username" required></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

const server = createServer();
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: process.env.MAGCORE_OIDC_CLIENT_ID || "magcore-web",
        client_secret: process.env.MAGCORE_OIDC_CLIENT_SECRET || "magcore-web-test-secret",
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    // Every client must send a PKCE challenge, confidential ones too.
    pkce: { required: () => true },
    scopes: ["openid", "profile", "groups"],
    claims: { openid: ["sub"], profile: ["name", "employee_id"], groups: ["groups"] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const user = USERS[id];
      if (!user) return undefined;
      return {
        accountId: id,
        async claims() {
          const claims = { sub: id, name: user.name, groups: user.groups };
          if (user.employee_id) claims.employee_id = user.employee_id;
          return claims;
        },
      };
    },
  });
  const callback = provider.callback();

  server.on("request", async (req, res) => {
    const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url || "");
    if (!match) {
      callback(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "consent") {
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        const missing = details.prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      if (req.method === "POST" && match[2]) {
        const form = await readForm(req);
        const login = form.get("login") || "";
        const user = USERS[login];
        if (!user || user.password !== form.get("password")) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          res.end(loginPage(details.uid, "Unknown user name or wrong password."));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(loginPage(details.uid, ""));
    } catch (err) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end(`interaction failed: ${err.message}\n`);
    }
  });

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
