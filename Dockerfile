# The shared team server (`serve --transport http`) as an image; docs/deploy.md explains every setting.
#   docker build -t salesforce-flow-mcp .
#   docker run -p 8765:8765 --env-file team.env salesforce-flow-mcp --public-url https://mcp.example.com
# No secret is baked in: the External Client App's id and secret, SALESFORCE_FLOW_MCP_STORE_KEY and the Redis
# password come from the environment at run time (a secret manager, a Kubernetes Secret).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin mcp
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY tools ./tools
RUN pip install --no-cache-dir . && rm -rf build *.egg-info
# A numeric user, so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
ENV SALESFORCE_FLOW_MCP_AUTH=oauth \
    SALESFORCE_FLOW_MCP_HOME=/home/mcp/.config/salesforce-flow-mcp \
    SALESFORCE_FLOW_MCP_CACHE=/home/mcp/.cache/salesforce-flow-mcp
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/healthz', timeout=4)"]
ENTRYPOINT ["salesforce-flow-mcp", "serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8765"]
