"""Local fakes of the services ticketflow talks to, for tests, benchmarks and runs by hand.

- `helpdesk`: Zendesk and Intercom REST APIs.
- `models`: the Anthropic Messages API and the OpenAI Chat Completions / Embeddings APIs
  (`FakeModelServer(latency_s=0.5).start().base_url`, or `python -m devkit.fakes.models --port P --latency S`).
"""
