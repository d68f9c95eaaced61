"""Recomputes a SigV4 signature with botocore, independently of AWSSDK.Core.

Reads a JSON request description on stdin: method, url, headers (as sent), body (base64), access_key, secret_key,
region, service. Signs exactly the headers the request's Authorization lists as SignedHeaders, at the request's own
X-Amz-Date, and prints the signature botocore computes.
"""
import base64
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

spec = json.load(sys.stdin)
headers = {k.lower(): v for k, v in spec["headers"].items()}
authorization = headers.pop("authorization")
signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
request = AWSRequest(
    method=spec["method"],
    url=spec["url"],
    data=base64.b64decode(spec["body"]),
    headers={k: v for k, v in headers.items() if k in signed},
)
request.context["timestamp"] = headers["x-amz-date"]
auth = SigV4Auth(Credentials(spec["access_key"], spec["secret_key"], spec.get("token")), spec["service"], spec["region"])
canonical = auth.canonical_request(request)
print(auth.signature(auth.string_to_sign(request, canonical), request))
