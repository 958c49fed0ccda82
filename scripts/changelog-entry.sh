#!/usr/bin/env bash
# Prints one version's section of CHANGELOG.md (the lines under its "## [X.Y.Z]" heading, up to
# the next heading of that level), for the release notes. Fails when the section is missing or
# empty, so a tag without a changelog entry is never released.
#   bash scripts/changelog-entry.sh v1.2.3 [CHANGELOG.md]
set -euo pipefail
version="${1:?usage: changelog-entry.sh vX.Y.Z [CHANGELOG.md]}"
version="${version#v}"
changelog="${2:-CHANGELOG.md}"

entry="$(awk -v heading="## [$version]" '
  /^## / { inside = (index($0, heading) == 1); next }
  /^\[[^]]+\]: / { next } # the link definitions at the end of the file
  inside { print }
' "$changelog")"
# Without the blank lines around it; $(...) already dropped the trailing ones.
entry="$(printf '%s\n' "$entry" | sed '/./,$!d')"
if [ -z "$entry" ]; then
  echo "$changelog has no entry for $version: add a '## [$version] - YYYY-MM-DD' section." >&2
  exit 1
fi
printf '%s\n' "$entry"
