# Multi-stage build: wheels are built in the first stage; the runtime image holds only the
# installed package and runs as an unprivileged user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core core
COPY gateway gateway
COPY providers providers
COPY fronts fronts
COPY detectors detectors
COPY policies policies
COPY admin_api admin_api
COPY governs governs
# The 'ner' extra: names and addresses in running text (spaCy and its English model).
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[ner]'

FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/governs governs
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER governs
WORKDIR /var/lib/governs
EXPOSE 8080
# Mount a config at /etc/governs/config.yaml and set GOVERNS_CONFIG to use it.
CMD ["governs", "serve", "--host", "0.0.0.0", "--port", "8080"]
