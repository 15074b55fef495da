"""The gateway: a REST + WebSocket API (FastAPI, served by uvicorn inside our event loop) over
the same services the chats use. `auth` (tokens, scopes, allow-lists, JWTs, rate limit) takes no
web framework, so the MCP server checks gateway tokens with it too. docs/gateway.md describes
the endpoints."""
