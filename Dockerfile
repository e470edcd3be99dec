# The application image. docker-compose.yml runs it as web (this CMD: gunicorn),
# worker, beat and the one-shot migrate.
FROM python:3.11-slim
# FORWARDED_ALLOW_IPS empty: gunicorn takes X-Forwarded-Proto from no address, not even
# the container's own, so BIP_BEHIND_PROXY alone decides what counts as HTTPS and the
# health check sees what the proxy sees.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PORT=8000 WEB_CONCURRENCY=3 FORWARDED_ALLOW_IPS="" \
    BIP_MEDIA_ROOT=/var/lib/bip/media
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# A fixed uid, so a named volume keeps a matching owner across rebuilds. Docker fills a
# new named volume from the image's directory, owner included: the media volume that
# web and worker share starts out writable by this user.
RUN useradd --system --uid 10001 --create-home bip \
    && mkdir -p /var/lib/bip/media \
    && chown bip:bip /var/lib/bip/media
# .dockerignore keeps .env, secrets/, var/, .git and tests out of the image.
COPY . .
# collectstatic needs settings but no real secrets: throwaway values for this step only.
RUN BIP_DEMO=1 DJANGO_SECRET_KEY=build BIP_CPR_KEYS=b:$(python -c "import base64;print(base64.urlsafe_b64encode(b'0'*32).decode())") \
    BIP_CPR_HMAC_KEY=build BIP_PSEUDONYM_KEY=build python manage.py collectstatic --noinput
# The code stays root's and read-only to the application.
USER bip
EXPOSE 8000
# gunicorn binds 0.0.0.0:$PORT with $WEB_CONCURRENCY workers; no access log, since a
# citizen's personal link carries its token in the path.
CMD ["gunicorn", "bip.wsgi:application", "--timeout", "60"]
