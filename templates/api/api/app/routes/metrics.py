"""The counters the alert rules of ops/prometheus read, for a Prometheus scrape (OPS-05).

Not public: the scraper sends ``Authorization: Bearer <METRICS_TOKEN>`` (Prometheus's
``authorization: {credentials_file: ...}``), compared in constant time and rate-limited like any other
authentication failure. Without METRICS_TOKEN(_FILE) the route answers 404. It is left out of the OpenAPI
schema, since it is for operators, not API clients.
"""

from fastapi import APIRouter, Depends
from starlette.responses import Response

from app.security.auth import require_metrics_token
from app.security.metrics import CONTENT_TYPE, SECURITY_METRICS

router = APIRouter()


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_metrics_token)])
def metrics() -> Response:
    return Response(SECURITY_METRICS.exposition(), media_type=CONTENT_TYPE)
