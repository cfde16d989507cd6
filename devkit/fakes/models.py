"""A local HTTP server that speaks the Anthropic Messages API and the OpenAI Chat Completions and
Embeddings APIs well enough for the real SDKs, so providers, tests and benchmarks exercise the real
SDK and HTTP path without a key or a network.

    server = FakeModelServer(latency_s=0.5).start()
    anthropic.Anthropic(api_key="x", base_url=server.base_url)
    openai.OpenAI(api_key="x", base_url=server.openai_base_url)

or as a process: `python -m devkit.fakes.models --port 8700 --latency 0.5` (prints the base URL).

What it does like the real thing:
- usage from an honest token estimate (4 characters a token, independent of the providers' own
  estimator), including Anthropic prompt caching: the prefix up to the last `cache_control` block is
  written once (`cache_creation_input_tokens`), then read (`cache_read_input_tokens`) for 5 minutes
  after each use, per model, and silently not cached below the model's minimum; OpenAI's automatic
  caching of prompts of 1,024+ tokens in 128-token steps (`prompt_tokens_details.cached_tokens`);
- structured output: a JSON classification when the schema asks for `intent`, a reply grounded in
  the `[Doc N: Title]` excerpts (citing the one it used) when it asks for `reply`;
- errors in each API's own format: scripted 429 with `retry-after`, 500, 529 overloaded, stalls
  (client timeouts), malformed output, an outage window; 400 for bodies the API would refuse, 401
  without a key.
- a per-call latency, and the arrival time of every call (for rate-limit benchmarks).
Control over HTTP too (for the process form): `GET /_fake/stats`, `POST /_fake/script`, `POST /_fake/reset`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import math
import re
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

CACHE_TTL_S = 300.0
# Minimum cacheable prefix per model (Anthropic's prompt-caching table); others: 1,024.
CACHE_MINIMUMS = {"claude-haiku-4-5": 4096, "claude-haiku-5-5": 512, "claude-sonnet-4-6": 2048, "claude-opus-4-5": 4096, "claude-opus-4-6": 4096}
OPENAI_CACHE_MIN = 1024


def count_tokens(text: str) -> int:
    """The fake's token count: one per 4 characters, rounded up (a common, honest estimate)."""
    return math.ceil(len(text) / 4) if text else 0


def _minimum(model: str) -> int:
    return CACHE_MINIMUMS.get(re.sub(r"-\d{8}$", "", model), 1024)


@dataclass
class Script:
    """One scripted misbehaviour: `times` calls answered with `status` (or stalled, or malformed)."""

    status: int = 529
    times: int = 1
    retry_after: float | None = None
    stall_s: float = 0.0
    malformed: bool = False
    api: str | None = None  # "anthropic", "openai" or None for both


@dataclass
class Call:
    """One request the fake served."""

    api: str
    path: str
    body: Any
    headers: dict[str, str]
    arrived: float  # time.time() at arrival
    status: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    cache: str = ""  # "", "write", "read" or "below_minimum"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many SDK clients connect at once in benchmarks


class FakeModelServer:
    """The fake model APIs on 127.0.0.1, served from a thread (`start()`) or forever (`serve()`)."""

    def __init__(self, *, latency_s: float = 0.0, port: int = 0, host: str = "127.0.0.1", api_key: str | None = None, keep_calls: int = 100_000) -> None:
        self.latency_s = latency_s
        self.api_key = api_key
        self.calls: deque[Call] = deque(maxlen=keep_calls)
        self._scripts: list[Script] = []
        self._outage_until = 0.0
        self._outage_status = 529
        self._cache: dict[str, float] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._server = _Server((host, port), self._handler())
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Base URL for the Anthropic SDK (it appends /v1/messages)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def openai_base_url(self) -> str:
        """Base URL for the OpenAI SDK (it appends /chat/completions)."""
        return self.base_url + "/v1"

    def start(self) -> Self:
        """Serve in a daemon thread; returns self (`.base_url` is ready)."""
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeModelServer", daemon=True)
        self._thread.start()
        return self

    def serve(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- scripting ------------------------------------------------------------------------------------
    def fail(self, status: int = 529, *, times: int = 1, retry_after: float | None = None, api: str | None = None) -> None:
        """Answer the next `times` calls with `status` (429 and 529 carry `retry-after` when given)."""
        with self._lock:
            self._scripts.append(Script(status=status, times=times, retry_after=retry_after, api=api))

    def stall(self, seconds: float, *, times: int = 1) -> None:
        """Hold the next `times` calls for `seconds` before answering (to make clients time out)."""
        with self._lock:
            self._scripts.append(Script(status=200, times=times, stall_s=seconds))

    def malformed(self, *, times: int = 1) -> None:
        """Answer the next `times` calls with output that does not match the requested JSON schema."""
        with self._lock:
            self._scripts.append(Script(status=200, times=times, malformed=True))

    def outage(self, seconds: float, status: int = 529) -> None:
        """Answer every call with `status` for the next `seconds`."""
        with self._lock:
            self._outage_until, self._outage_status = time.time() + seconds, status

    def reset(self) -> None:
        """Forget calls, scripts, the outage and the prompt cache."""
        with self._lock:
            self.calls.clear()
            self._scripts.clear()
            self._cache.clear()
            self._outage_until = 0.0

    def stats(self) -> dict[str, Any]:
        """Counts for reports: calls by status, cache writes/reads, token totals, arrival times."""
        with self._lock:
            calls = list(self.calls)
        by_status: dict[str, int] = {}
        for c in calls:
            by_status[str(c.status)] = by_status.get(str(c.status), 0) + 1
        totals: dict[str, int] = {}
        for c in calls:
            for k, v in c.usage.items():
                totals[k] = totals.get(k, 0) + v
        return {
            "calls": len(calls),
            "by_status": by_status,
            "cache": {k: sum(1 for c in calls if c.cache == k) for k in ("write", "read", "below_minimum")},
            "tokens": totals,
            "arrivals": [c.arrived for c in calls if c.path != "/_fake/stats"],
        }

    # --- behaviour ----------------------------------------------------------------------------------
    def _take_script(self, api: str) -> Script | None:
        with self._lock:
            if time.time() < self._outage_until:
                return Script(status=self._outage_status, retry_after=1.0)
            for s in self._scripts:
                if s.api in (None, api):
                    s.times -= 1
                    if s.times <= 0:
                        self._scripts.remove(s)
                    return s
        return None

    def _cache_lookup(self, model: str, prefix: str) -> bool:
        """True on a hit; a miss stores the prefix. Each use extends the entry's life."""
        key = hashlib.sha256(f"{model}\x00{prefix}".encode()).hexdigest()
        now = time.time()
        with self._lock:
            hit = self._cache.get(key, 0.0) > now
            self._cache[key] = now + CACHE_TTL_S
        return hit

    def _anthropic(self, body: dict[str, Any], call: Call, script: Script | None) -> tuple[int, Any]:
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return 400, _anthropic_error("invalid_request_error", f"{name}: Field required")
        if not isinstance(body["messages"], list) or not body["messages"]:
            return 400, _anthropic_error("invalid_request_error", "messages: at least one message is required")
        model, max_tokens = str(body["model"]), int(body["max_tokens"])
        system = body.get("system") or []
        blocks = [{"type": "text", "text": system}] if isinstance(system, str) else list(system)
        marked = [i for i, b in enumerate(blocks) if isinstance(b, dict) and b.get("cache_control")]
        prefix = json.dumps(body.get("tools") or []) + "".join(str(b.get("text", "")) for b in blocks[: marked[-1] + 1]) if marked else ""
        rest = "".join(str(b.get("text", "")) for b in blocks[marked[-1] + 1 if marked else 0:]) + _all_text(body["messages"])
        prefix_tokens, rest_tokens = count_tokens(prefix), count_tokens(rest)
        usage = {"input_tokens": prefix_tokens + rest_tokens, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        if marked and prefix_tokens >= _minimum(model):
            hit = self._cache_lookup(model, prefix)
            call.cache = "read" if hit else "write"
            usage["input_tokens"] = rest_tokens
            usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = prefix_tokens
        elif marked:
            call.cache = "below_minimum"
        schema = (((body.get("output_config") or {}).get("format") or {}).get("schema")) or {}
        text = _answer(schema, _last_user_text(body["messages"]), malformed=bool(script and script.malformed))
        out_tokens = count_tokens(text)
        stop = "end_turn"
        if out_tokens > max_tokens:
            text, out_tokens, stop = text[: max_tokens * 4], max_tokens, "max_tokens"
        usage["output_tokens"] = out_tokens
        call.usage = usage
        return 200, {
            "id": f"msg_fake{next(self._ids):08d}", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None, "usage": usage,
        }

    def _openai_chat(self, body: dict[str, Any], call: Call, script: Script | None) -> tuple[int, Any]:
        if "model" not in body or not isinstance(body.get("messages"), list) or not body["messages"]:
            return 400, _openai_error("invalid_request_error", "model and a non-empty messages array are required")
        model = str(body["model"])
        first = body["messages"][0]
        lead = str(first.get("content", "")) if first.get("role") in ("system", "developer") else ""
        prompt_tokens = count_tokens(_all_text(body["messages"]))
        cached = 0
        if count_tokens(lead) >= OPENAI_CACHE_MIN:
            if self._cache_lookup(model, lead):
                cached = count_tokens(lead) // 128 * 128
                call.cache = "read"
            else:
                call.cache = "write"
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") or {}
        text = _answer(schema, _last_user_text(body["messages"]), malformed=bool(script and script.malformed))
        limit = int(body.get("max_completion_tokens") or body.get("max_tokens") or 4096)
        out_tokens, finish = count_tokens(text), "stop"
        if out_tokens > limit:
            text, out_tokens, finish = text[: limit * 4], limit, "length"
        call.usage = {"prompt_tokens": prompt_tokens, "completion_tokens": out_tokens, "cached_tokens": cached}
        return 200, {
            "id": f"chatcmpl-fake{next(self._ids):08d}", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None}, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": out_tokens, "total_tokens": prompt_tokens + out_tokens,
                      "prompt_tokens_details": {"cached_tokens": cached}},
        }

    def _openai_embeddings(self, body: dict[str, Any], call: Call) -> tuple[int, Any]:
        inputs = body.get("input")
        items = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(items, list) or not items or not all(isinstance(s, str) and s for s in items):
            return 400, _openai_error("invalid_request_error", "input must be a non-empty string or array of non-empty strings")
        dims = int(body.get("dimensions") or 1536)
        as_b64 = body.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(items):
            vec = _embed(text, dims)
            emb: Any = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode() if as_b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        tokens = sum(count_tokens(s) for s in items)
        call.usage = {"prompt_tokens": tokens}
        return 200, {"object": "list", "data": data, "model": body.get("model", ""), "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    def _serve(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        if path.startswith("/_fake/"):
            return self._control(method, path, raw)
        api = "anthropic" if path == "/v1/messages" else "openai"
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        call = Call(api, path, body, headers, time.time())
        with self._lock:
            self.calls.append(call)
        status, out, extra = self._respond(api, method, path, headers, body, call)
        call.status = status
        return status, out, extra

    def _respond(self, api: str, method: str, path: str, headers: dict[str, str], body: Any, call: Call) -> tuple[int, Any, dict[str, str]]:
        err = _anthropic_error if api == "anthropic" else _openai_error
        # Anthropic SDKs send x-api-key (older) or a bearer token (newer); OpenAI a bearer token.
        key = (headers.get("x-api-key") if api == "anthropic" else None) or headers.get("authorization", "").removeprefix("Bearer ")
        if not key or (self.api_key is not None and key != self.api_key):
            return 401, err("authentication_error", "invalid x-api-key"), {}
        if method != "POST" or path not in ("/v1/messages", "/v1/chat/completions", "/v1/embeddings"):
            return 404, err("not_found_error", f"no route {method} {path}"), {}
        if not isinstance(body, dict):
            return 400, err("invalid_request_error", "body must be a JSON object"), {}
        script = self._take_script(api)
        if script and script.stall_s:
            time.sleep(script.stall_s)
        if self.latency_s:
            time.sleep(self.latency_s)
        if script and script.status != 200:
            extra = {"retry-after": f"{script.retry_after:g}"} if script.retry_after is not None else {}
            kind = {429: "rate_limit_error", 529: "overloaded_error", 400: "invalid_request_error"}.get(script.status, "api_error")
            return script.status, err(kind, f"scripted {script.status}"), extra
        if path == "/v1/messages":
            status, out = self._anthropic(body, call, script)
        elif path == "/v1/chat/completions":
            status, out = self._openai_chat(body, call, script)
        else:
            status, out = self._openai_embeddings(body, call)
        return status, out, {}

    def _control(self, method: str, path: str, raw: bytes) -> tuple[int, Any, dict[str, str]]:
        if path == "/_fake/stats":
            return 200, self.stats(), {}
        if path == "/_fake/reset" and method == "POST":
            self.reset()
            return 200, {"ok": True}, {}
        if path == "/_fake/script" and method == "POST":
            spec = json.loads(raw or b"{}")
            if "outage_s" in spec:
                self.outage(float(spec["outage_s"]), int(spec.get("status", 529)))
            else:
                with self._lock:
                    self._scripts.append(Script(**spec))
            return 200, {"ok": True}, {}
        return 404, {"error": "unknown control path"}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the SDKs pool connections
            disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

            def log_message(self, *args: Any) -> None:
                pass

            def _do(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, out, extra = fake._serve(method, self.path.split("?")[0], {k.lower(): v for k, v in self.headers.items()}, raw)
                data = json.dumps(out).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("request-id", f"req_fake{next(fake._ids):08d}")
                    self.send_header("x-request-id", f"req_fake{next(fake._ids):08d}")
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a timeout test): nothing to answer

            def do_GET(self) -> None:  # noqa: N802
                self._do("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._do("POST")

        return Handler


# --- the fake "model" -------------------------------------------------------------------------------

def _anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _openai_error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def _all_text(messages: list[Any]) -> str:
    return "".join(_content_text(m.get("content")) for m in messages if isinstance(m, dict))


def _last_user_text(messages: list[Any]) -> str:
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            return _content_text(m.get("content"))
    return ""


_WORD = re.compile(r"[a-z0-9]+")
_RULES = (
    ("escalate", re.compile(r"\b(manager|human|real person|lawyer|sue|speak to someone)\b")),
    ("billing", re.compile(r"\b(charged?|refund\w*|invoice\w*|payment|billed|money back|overcharged)\b")),
    ("account", re.compile(r"\b(delete my account|ownership|locked out|gdpr|close my account)\b")),
    ("bug", re.compile(r"\b(error|crash\w*|broken|blank|not working|doesn't work|fails?|bug|stopped)\b")),
)


def _customer(text: str) -> str:
    m = re.search(r"<customer_message[^>]*>(.*?)</customer_message>", text, re.S)
    return (m.group(1) if m else text).lower()


def _classify(text: str) -> dict[str, Any]:
    msg = _customer(text)
    intent = next((name for name, rx in _RULES if rx.search(msg)), "faq")
    urgency = "high" if re.search(r"\b(urgent|asap|immediately|outage|everyone)\b", msg) else ("medium" if intent == "bug" else "low")
    words = [w for w in _WORD.findall(msg) if len(w) > 3][:3]
    return {
        "intent": intent, "urgency": urgency,
        "frustrated": bool(re.search(r"!!|\b(ridiculous|unacceptable|angry|furious|third time)\b", msg)),
        "injection": bool(re.search(r"ignore (all |the )?(previous|prior|above) instructions|system prompt", msg)),
        "topic": " ".join(words), "confidence": 0.9,
    }


_DOC = re.compile(r"\[Doc (\d+): ([^\]]+)\]\n(.*?)(?=\n\[Doc \d+:|\n</excerpts>|\Z)", re.S)


def _reply(text: str) -> dict[str, Any]:
    """A reply from the excerpt sharing most words with the question, citing it; a hand-off if none does."""
    question = set(_WORD.findall(_customer(text))) - {"the", "and", "how", "can", "what", "for", "you", "with", "this", "that", "my"}
    best, best_score = None, 0
    for m in _DOC.finditer(text):
        score = len(question & set(_WORD.findall(m.group(3).lower())))
        if score > best_score:
            best, best_score = m, score
    if best is None:
        return {"reply": "I'll connect you with our team, who can help with this directly.", "cited_docs": [], "answer_found": False}
    title = best.group(2).split(" - ")[0]
    lines = [ln.strip() for ln in best.group(3).splitlines() if ln.strip()][:4]
    body = "\n".join(lines)
    reply = f"Hi,\n\nAccording to the {title} guide:\n\n{body}\n\nIf this doesn't solve it, reply here and a member of our team will take over."
    return {"reply": reply, "cited_docs": [int(best.group(1))], "answer_found": True}


def _answer(schema: dict[str, Any], user_text: str, *, malformed: bool = False) -> str:
    props = schema.get("properties") or {}
    if malformed:
        return '{"intent": "maybe", "urgency": ' if "intent" in props else '{"reply": 42'
    if "intent" in props:
        return json.dumps(_classify(user_text))
    if "reply" in props:
        return json.dumps(_reply(user_text))
    return _reply(user_text)["reply"]


def _embed(text: str, dims: int) -> list[float]:
    """A deterministic bag-of-words vector (hashing trick), unit length: similar texts are close."""
    vec = [0.0] * dims
    for word in _WORD.findall(text.lower()):
        h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        vec[h % dims] += 1.0 if (h >> 32) & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def main(argv: list[str] | None = None) -> None:
    """`python -m devkit.fakes.models --port P --latency S`: serve until interrupted."""
    ap = argparse.ArgumentParser(description="Fake Anthropic/OpenAI API for tests and benchmarks.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8700)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    ap.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    args = ap.parse_args(argv)
    server = FakeModelServer(latency_s=args.latency, port=args.port, host=args.host, api_key=args.api_key)
    print(server.base_url, flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()


if __name__ == "__main__":
    main()
