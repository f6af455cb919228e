/** The HTML the sandbox serves: its status page, and the sign-in page the login-page fault returns. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/**
 * The status page fetches /health from the browser, so a real-browser check proves the page's
 * script ran and the API answered: wait for `#status` to read `healthy`.
 */
export function statusPage(revision: string, version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>revgate sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<main>
<h1>revgate sandbox</h1>
<p>Revision <code id="revision">${escapeHtml(revision)}</code>, version <code id="version">${escapeHtml(version)}</code></p>
<p>Status: <strong id="status">loading</strong></p>
</main>
<script>
fetch('/health', { headers: { accept: 'application/json' } })
  .then(function (r) { return r.ok ? r.json() : { status: 'http ' + r.status }; })
  .then(function (body) { document.getElementById('status').textContent = String(body.status); })
  .catch(function (err) { document.getElementById('status').textContent = 'error: ' + err.message; });
</script>
</body>
</html>
`;
}

/** What an API looks like when an SSO proxy intercepts it: 200, text/html, a password form. */
export function loginPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body>
<form method="post" action="/login" id="login">
<h1>Sign in</h1>
<label>Email <input type="email" name="loginfmt" autocomplete="username"></label>
<label>Password <input type="password" name="passwd" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

/** The wrong-body fault's HTML: a well-formed page that is not the status page (no #status). */
export function wrongPage(): string {
  return '<!doctype html>\n<html><head><title>Welcome</title></head><body><p>It works!</p></body></html>\n';
}
