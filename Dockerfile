FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings but no real secrets: throwaway values for the build only.
RUN BIP_DEMO=1 DJANGO_SECRET_KEY=build BIP_CPR_KEYS=b:$(python -c "import base64;print(base64.urlsafe_b64encode(b'0'*32).decode())") \
    BIP_CPR_HMAC_KEY=build BIP_PSEUDONYM_KEY=build python manage.py collectstatic --noinput
RUN useradd --create-home bip
USER bip
EXPOSE 8000
CMD ["gunicorn", "bip.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
