#!/bin/sh
# Copies evidence/collect-evidence.sh into the Systems Manager documents of template.yaml,
# templates/member-role.yaml and templates/evidence-document.yaml (CloudFormation reads no files, so the script is inlined there). Run it from anywhere
# after changing the script; EvidenceDocumentTests fail while a copy differs. The functions run only the document whose
# canonical SHA-256 is ShippedEvidenceDocument.ContentSha256 (src/ThreatResponse.Core): EvidenceDocumentTests print the
# new value to set there.
#
# Each template marks its copy with two comment lines inside the document's runCommand list:
#     # >>> evidence/collect-evidence.sh ...
#     # <<< evidence/collect-evidence.sh
# Everything between them is replaced by a YAML literal block ("- |") holding the script, indented two more spaces.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
script=$root/evidence/collect-evidence.sh

for template in "$root/template.yaml" "$root/templates/member-role.yaml" "$root/templates/evidence-document.yaml"; do
    awk -v script="$script" '
        /# >>> evidence\/collect-evidence\.sh/ {
            print
            indent = $0; sub(/#.*/, "", indent)
            print indent "- |"
            while ((getline line < script) > 0) print (line == "" ? "" : indent "  " line)
            close(script)
            skipping = 1
            next
        }
        /# <<< evidence\/collect-evidence\.sh/ { skipping = 0 }
        !skipping { print }
    ' "$template" > "$template.tmp"
    if cmp -s "$template" "$template.tmp"; then rm -f "$template.tmp"; else mv "$template.tmp" "$template"; echo "updated ${template#"$root"/}"; fi
done
