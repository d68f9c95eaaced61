"""Prints template.yaml translated by the installed SAM translator (as cfn-lint runs it), as JSON.

Usage: sam_translate.py TEMPLATE
"""
import json
import sys

from cfnlint.decode import decode
from cfnlint.template.transforms._sam import Transform

template, matches = decode(sys.argv[1])
if matches:
    sys.exit("cannot read template: " + "; ".join(str(m) for m in matches))
transform = Transform(sys.argv[1], template, "us-east-1")
errors = transform.transform_template()
if errors:
    sys.exit("cannot translate template: " + "; ".join(str(m) for m in errors))
json.dump(transform.template(), sys.stdout, default=str)
