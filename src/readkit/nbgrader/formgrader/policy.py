"""The Content-Security-Policy of nbgrader's formgrader routes, set on every response under
`<base_url>formgrader/` by a tornado output transform.

- Pages: scripts only from nbgrader's static folder and readkit's (never inline, never from a
  learner's files, which the same server serves too), no plugins, no `<base>`, forms and
  requests to this server only, framed only by this server (the Formgrader panel), or by
  nothing where the server's own policy says `frame-ancestors 'none'` (a hub: one origin for
  every user's server, so 'self' would be every learner's page).
  nbgrader's templates carry inline scripts and handlers; readkit serves them without
  (readkit.nbgrader.formgrader.pages), so its pages work under this policy. Whatever a learner
  slips past the sanitizer into a page (readkit.nbgrader.safe_html) still cannot run.
- A learner's own files, which the formgrader serves beside a submission (an image that a
  markdown cell shows, or any file of the hand-in): a sandbox with nothing allowed but images,
  so an HTML or SVG file opened from there runs nothing, on no origin of the instructor's.
"""

from __future__ import annotations

import re

from tornado.web import OutputTransform

HEADER = "Content-Security-Policy"
READKIT_STATIC = "readkit/formgrader/static/"
_NAVIGATION = r"(next_incorrect|prev_incorrect|next|prev)/?"


def page_policy(origin: str | None, base_url: str, frame_ancestors: str = "'self'") -> str:
    """The policy of the formgrader's pages. Script sources are paths, which a CSP can only
    name with the origin: `origin` is the one the browser asked (scheme and Host header; None
    when the Host header is no host name: then no script at all); an http source also matches
    its https URL, so a TLS proxy in front changes nothing."""
    scripts = " ".join(f"{origin}{base_url}{path}"
                       for path in ("formgrader/static/", READKIT_STATIC)) if origin else "'none'"
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


LEARNER_FILE_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def policy_for(path: str, origin: str | None, base_url: str,
               frame_ancestors: str = "'self'") -> str | None:
    """The policy of a response to `path` (a URL path), or None outside the formgrader."""
    prefix = f"{base_url}formgrader/"
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix):]
    # submissions/<id>/<file> is a file of the learner's (submissions/<id>/ is the page, and
    # submissions/<id>/next... its navigation).
    learner_file = re.fullmatch(r"submissions/[^/]+/(.+)", rest)
    if learner_file and not re.fullmatch(_NAVIGATION, learner_file.group(1)):
        return LEARNER_FILE_POLICY
    return page_policy(origin, base_url, frame_ancestors)


def frame_ancestors_of(settings: dict) -> str:
    """'none' when the server's own Content-Security-Policy (tornado settings) forbids framing,
    else 'self' (the Formgrader panel frames the formgrader)."""
    server_policy = settings.get("headers", {}).get(HEADER, "")
    return "'none'" if re.search(r"frame-ancestors\s+'none'", server_policy) else "'self'"


# A Host header that is a host name or an IP address, with a port: anything else (which a
# CSP source could not hold) gets no script source at all.
_HOST = re.compile(r"([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?")


def origin_of(protocol: str, host: str) -> str | None:
    if protocol in ("http", "https") and _HOST.fullmatch(host or ""):
        return f"{protocol}://{host}"
    return None


def transform_for(base_url: str, settings: dict | None = None) -> type[OutputTransform]:
    """The output transform (tornado.web.Application.add_transform) that sets the policy on
    every formgrader response of a server at `base_url` (which ends with /); `settings`, the
    server's tornado settings, read per request (JupyterHub sets its policy after start)."""
    settings = {} if settings is None else settings

    class FormgraderPolicy(OutputTransform):
        def __init__(self, request) -> None:
            self.policy = policy_for(request.path, origin_of(request.protocol, request.host),
                                     base_url, frame_ancestors_of(settings))

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if self.policy:
                headers[HEADER] = self.policy
                headers["X-Content-Type-Options"] = "nosniff"
            return status_code, headers, chunk

    return FormgraderPolicy
