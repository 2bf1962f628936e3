"""What in an HTML page or a style sheet would make the browser fetch from the network.

One checker for every page lowback writes (the notebooks' pages, the decks, the landing
page and the offline explorer, through :func:`lowback.publish.pages.check_offline`): the
page is parsed (:class:`html.parser.HTMLParser`, the standard library's HTML tokenizer),
and every place a browser loads a URL from on its own is read:

* attributes that fetch: ``src``, ``srcset`` and ``imagesrcset`` (each candidate),
  ``poster``, ``data`` (``<object>``), ``background``, ``ping``, ``lowsrc``; and ``href``
  and ``xlink:href`` on every element but the links ``<a>`` and ``<area>``: ``<link>`` of
  any ``rel`` (``stylesheet``, ``preload``, ``prefetch``, ``icon``...), ``<base>``, and
  SVG's ``<image>``, ``<use>``, ``<feImage>``, ``<script>``...;
* CSS, in ``<style>`` elements and ``style`` attributes (and SVG's ``fill``, ``filter``,
  ``mask``... attributes): ``url(...)``, ``@import`` and ``image-set()`` strings, read
  after CSS comments are dropped and CSS escapes decoded (``\\75 rl(`` is ``url(``);
* ``<meta http-equiv="refresh" content="0; url=...">``;
* the HTML of an ``<iframe srcdoc>``, checked as a page of its own;
* in a plotly figure's JSON (:func:`remote_figure_sources`), the images of its layout,
  which plotly.js loads by their ``source``.

A URL is remote if, read as a browser reads it (spaces around and tabs or newlines inside
dropped, ``\\`` as ``/``), it starts with ``//`` or names a scheme other than ``data:``,
``blob:``, ``about:``, ``javascript:`` or a ``file:`` URL of this machine. Relative URLs
(a file beside the page) are not: they fetch nothing from the network. Links a reader
follows (``<a href>``) are links, not requests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

__all__ = ["is_remote", "remote_figure_sources", "remote_resources", "remote_urls_in_css"]

#: Attributes whose value a browser fetches on any element.
_FETCHING = frozenset({"src", "poster", "data", "background", "ping", "lowsrc", "dynsrc"})
#: Attributes holding a list of image candidates (``url 2x, url 640w``).
_SRCSETS = frozenset({"srcset", "imagesrcset"})
#: Elements whose ``href`` is a link the reader follows, not a request.
_LINK_ELEMENTS = frozenset({"a", "area"})
#: SVG presentation attributes that take a CSS ``url()``.
_CSS_ATTRIBUTES = frozenset(
    {"style", "fill", "stroke", "filter", "mask", "clip-path", "cursor", "marker"}
    | {"marker-start", "marker-mid", "marker-end"}
)
#: Schemes that fetch nothing from the network.
_LOCAL_SCHEMES = frozenset({"data", "blob", "about", "javascript"})

#: What a browser strips from both ends of a URL: C0 control characters and spaces.
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_CSS_COMMENT_RE = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_CSS_ESCAPE_RE = re.compile(r"\\(?:([0-9A-Fa-f]{1,6})[ \t\n\r\f]?|(.))", re.DOTALL)
#: ``url(x)``, ``url("x")``, ``url('x')``: the URL in group 1, 2 or 3.
_CSS_URL_RE = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)""", re.IGNORECASE | re.DOTALL
)
#: ``@import "x"`` and ``@import 'x'`` (``@import url(x)`` is a url()).
_CSS_IMPORT_RE = re.compile(r"""@import\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
#: The strings of ``image-set("x" 1x, ...)`` (and ``-webkit-image-set``).
_CSS_IMAGE_SET_RE = re.compile(r"image-set\(([^)]*)\)", re.IGNORECASE)
_CSS_STRING_RE = re.compile(r""""([^"]*)"|'([^']*)'""")
#: The URL of a ``<meta http-equiv="refresh">``'s ``content``: ``5; url='x'`` or ``5, x``.
_REFRESH_RE = re.compile(
    r"""\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(?:"([^"]*)"?|'([^']*)'?|(.*?))\s*""",
    re.IGNORECASE | re.DOTALL,
)


def is_remote(url: str) -> bool:
    """Whether a browser would fetch ``url`` from the network, as it reads it.

    >>> [is_remote(u) for u in ("https://x.org/a.png", "//cdn/x.js", " HTTP://x", "a.png")]
    [True, True, True, False]
    >>> [is_remote(u) for u in ("data:image/png;base64,AA==", "#top", "\\\\\\\\host/x")]
    [False, False, True]
    """
    url = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)
    url = url.replace("\\", "/")
    if url.startswith("//"):
        return True
    scheme = _SCHEME_RE.match(url)
    if scheme is None:
        return False
    name = scheme.group(1).lower()
    if name == "file":  # file:///path is this machine's; file://host/path is a share
        rest = url[scheme.end() :]
        return (
            rest.startswith("//")
            and not rest.startswith("///")
            and not rest[2:].startswith("localhost/")
        )
    return name not in _LOCAL_SCHEMES


def _decoded_css(css: str) -> str:
    """CSS without comments, escapes decoded, so that ``u\\72l(`` reads ``url(``."""

    def decode(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(2)
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _CSS_ESCAPE_RE.sub(decode, _CSS_COMMENT_RE.sub(" ", css))


def remote_urls_in_css(css: str) -> list[str]:
    """The remote URLs a style sheet (or a ``style`` attribute) would load: ``url()``,
    ``@import`` and ``image-set()`` strings.

    >>> remote_urls_in_css("a { background: url( 'https://x.org/i.png' ) }")
    ['https://x.org/i.png']
    >>> remote_urls_in_css('@import "//fonts.example/f.css"; b { color: red }')
    ['//fonts.example/f.css']
    >>> remote_urls_in_css("i { background: url(data:image/png;base64,AA==) }")
    []
    """
    css = _decoded_css(css)
    urls = [next(g for g in m.groups() if g is not None) for m in _CSS_URL_RE.finditer(css)]
    urls += [
        m.group(1) if m.group(1) is not None else m.group(2) for m in _CSS_IMPORT_RE.finditer(css)
    ]
    for image_set in _CSS_IMAGE_SET_RE.finditer(css):
        urls += [a if a is not None else b for a, b in _CSS_STRING_RE.findall(image_set.group(1))]
    return [url for url in urls if is_remote(url)]


def _srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset``: each candidate's URL, up to its descriptors or its comma
    (a ``data:`` URL keeps its own commas, as the HTML standard reads it)."""
    urls, at = [], 0
    while at < len(value):
        while at < len(value) and (value[at].isspace() or value[at] == ","):
            at += 1
        start = at
        while at < len(value) and not value[at].isspace():
            at += 1
        url = value[start:at]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # descriptors, up to the next comma outside parentheses
            depth = 0
            while at < len(value) and (value[at] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[at], 0)
                at += 1
        if url:
            urls.append(url)
    return urls


def _refresh_url(content: str) -> str:
    match = _REFRESH_RE.fullmatch(content)
    return next((g for g in match.groups() if g), "") if match else ""


class _RemoteResourceFinder(HTMLParser):
    """Collect what in a page would make the browser fetch a remote resource."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def _found(self, tag: str, name: str, url: str) -> None:
        self.found.append(f"<{tag} {name}={url!r}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in _FETCHING or (name in ("href", "xlink:href") and tag not in _LINK_ELEMENTS):
                urls = [value]
            elif name in _SRCSETS:
                urls = _srcset_urls(value)
            elif name in _CSS_ATTRIBUTES:
                urls = remote_urls_in_css(value)
            elif name == "srcdoc":  # a page of its own, in the page
                self.found += [f"<{tag} srcdoc> {inner}" for inner in remote_resources(value)]
                continue
            elif name == "content" and values.get("http-equiv", "").lower() == "refresh":
                urls = [_refresh_url(value)]
            else:
                continue
            for url in urls:
                if is_remote(url):
                    self._found(tag, name, url)
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False  # <style/> in SVG: no content

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for url in remote_urls_in_css(data):
                self.found.append(f"<style> url({url!r})")


def remote_resources(html: str) -> list[str]:
    """What in ``html`` would load something from the network (empty for an offline
    page), each as ``<tag attribute='url'>`` or ``<style> url('url')``.

    >>> remote_resources('<p style="background:url(//x/i.png)"><a href="https://x">x</a>')
    ["<p style='//x/i.png'>"]
    >>> remote_resources('<svg><image xlink:href="https://x/i.png"/></svg>')
    ["<image xlink:href='https://x/i.png'>"]
    """
    finder = _RemoteResourceFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def remote_figure_sources(figure: Mapping) -> list[str]:
    """The remote URLs a plotly figure makes plotly.js load: its layout images' ``source``.

    >>> remote_figure_sources({"layout": {"images": [{"source": "https://x.org/logo.png"}]}})
    ['https://x.org/logo.png']
    >>> remote_figure_sources({"layout": {"images": [{"source": "data:image/png;base64,AA=="}]}})
    []
    """
    layout = figure.get("layout") or {}
    images = layout.get("images") if isinstance(layout, Mapping) else None
    sources = [i.get("source") for i in images or [] if isinstance(i, Mapping)]
    return [s for s in sources if isinstance(s, str) and is_remote(s)]
