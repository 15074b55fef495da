# tradechat in a container: the paper terminal by default, data on a volume, secrets from the
# environment (compose.yaml reads them from .env). Build: docker build -t tradechat .

# Stage 1: the wheel, built from the checkout (the build context is filtered by .dockerignore).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

# Stage 2: the installed wheel and nothing of the build.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONUTF8=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    TRADECHAT_CONFIG=/srv/tradechat/settings.toml

# the exact versions CI tested (requirements/run.lock, written by `make lock`), then the app
COPY --from=build /src/requirements/run.lock /tmp/run.lock
COPY --from=build /wheels /wheels
RUN pip install -r /tmp/run.lock && pip install --no-deps /wheels/*.whl \
    && rm -rf /wheels /tmp/run.lock

# a dedicated user without a login; the settings stay root's (read-only to the bot),
# the data folder is the bot's and is the volume
RUN useradd --system --uid 10001 --home-dir /srv/tradechat --shell /usr/sbin/nologin tradechat \
    && mkdir -p /srv/tradechat/data \
    && chown tradechat:tradechat /srv/tradechat/data
WORKDIR /srv/tradechat
# the repository's settings: [broker] kind = "paper"; mount your own over it
COPY --from=build /src/settings.toml /srv/tradechat/settings.toml
VOLUME ["/srv/tradechat/data"]
USER tradechat

# what `run` would trip on (settings, secrets, broker kind) turns the container unhealthy
HEALTHCHECK --interval=60s --timeout=30s --start-period=30s --retries=3 \
    CMD ["tradechat", "check-config"]

# no terminal attached: `run` starts the platforms and the scheduler without the console chat
CMD ["tradechat", "run"]
